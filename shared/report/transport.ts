import type { ReportFile } from './files';

/**
 * How a report leaves the house. One implementation per channel: SMTP here (`smtp.ts`), Graph
 * `sendMail` elsewhere. `deliverReport` calls every configured transport and records each outcome,
 * so an implementation may simply throw on failure (preferably a CodedError whose message names
 * the fix and holds no secret).
 */
export interface ReportMessage {
  to: string[];
  subject: string;
  html: string;
  text: string;
  attachments: ReportFile[];
}

/** What a transport learnt from the server; every field is optional (Graph returns nothing). */
export interface TransportReceipt {
  messageId?: string;
  accepted?: string[];
  rejected?: string[];
}

export interface ReportTransport {
  /** Shown in delivery results, e.g. "smtp" or "graph". */
  readonly name: string;
  send(message: ReportMessage): Promise<TransportReceipt | void>;
}
