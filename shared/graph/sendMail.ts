import { z } from 'zod';
import { CodedError } from '../domain/errors';
import type { ReportMessage, ReportTransport, TransportReceipt } from '../report/transport';
import type { GraphClient } from './client';

/**
 * Report delivery by Graph `sendMail` from a configured sender mailbox (app permission Mail.Send;
 * an application access policy may restrict it to that mailbox). Attachments go inline: report
 * files are small (deliverReport leaves them out when they are not).
 */
export const SENDMAIL_LIMITS = {
  /** Graph's request limit is 4 MB; base64 grows attachments by a third. */
  maxAttachmentBytes: 2_900_000,
};

const sender = z.email();

function recipients(list: string[]): Array<{ emailAddress: { address: string } }> {
  return list.map((address) => ({ emailAddress: { address } }));
}

export function graphReportTransport(client: GraphClient, senderAddress: string): ReportTransport {
  if (!sender.safeParse(senderAddress).success) {
    throw new CodedError(
      'GRAPH_SENDER_INVALID',
      'REPORT_SENDER must be the address of a mailbox in the tenant.',
      {
        field: 'REPORT_SENDER',
      },
    );
  }
  return {
    name: 'graph',
    async send(message: ReportMessage): Promise<TransportReceipt> {
      const total = message.attachments.reduce((s, a) => s + a.content.length, 0);
      if (total > SENDMAIL_LIMITS.maxAttachmentBytes) {
        throw new CodedError(
          'GRAPH_SENDMAIL_TOO_LARGE',
          `The report attachments (${total} bytes) are over what one Graph sendMail carries; send links instead.`,
          { bytes: total },
        );
      }
      await client.post(`/users/${encodeURIComponent(senderAddress)}/sendMail`, {
        message: {
          subject: message.subject,
          body: { contentType: 'html', content: message.html },
          toRecipients: recipients(message.to),
          attachments: message.attachments.map((a) => ({
            '@odata.type': '#microsoft.graph.fileAttachment',
            name: a.name,
            contentType: a.contentType,
            contentBytes: a.content.toString('base64'),
          })),
        },
        saveToSentItems: true,
      });
      return { accepted: [...message.to] };
    },
  };
}
