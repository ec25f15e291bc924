/**
 * The stand-in's outbox, readable over HTTP at `GET /_standin/sent-mail` (no token: it is a test
 * tool's route, not Graph's): every mail the stand-in "sent", in order — sendMail requests and the
 * meeting requests, updates and cancellations Exchange sends to an event's attendees. A test proves
 * that a migration sent no invitation by reading this list.
 */
import type { StandinState } from './state';

export const SENT_MAIL_PATH = '/_standin/sent-mail';

export interface SentMailEntry {
  kind: 'invitation' | 'sendMail';
  from: string;
  recipients: string[];
  subject: string;
  /** ISO 8601, UTC. */
  time: string;
  /** For invitations: the event and which meeting message it was. */
  eventId?: string;
  meetingMessage?: 'request' | 'update' | 'cancellation';
}

function addresses(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((r) => (r as { emailAddress?: { address?: unknown } })?.emailAddress?.address)
    .filter((a): a is string => typeof a === 'string');
}

export function sentMailLog(state: StandinState): SentMailEntry[] {
  const mail = state.sentMail.map((m) => ({
    at: m.at,
    entry: {
      kind: 'sendMail' as const,
      from: m.from,
      recipients: [
        ...addresses(m.message.toRecipients),
        ...addresses(m.message.ccRecipients),
        ...addresses(m.message.bccRecipients),
      ],
      subject: typeof m.message.subject === 'string' ? m.message.subject : '',
      time: new Date(m.at).toISOString(),
    },
  }));
  const invitations = state.invitations.map((i) => ({
    at: i.at,
    entry: {
      kind: 'invitation' as const,
      from: i.from,
      recipients: i.recipients,
      subject: i.subject,
      time: new Date(i.at).toISOString(),
      eventId: i.eventId,
      meetingMessage: i.meetingMessage,
    },
  }));
  return [...mail, ...invitations].sort((a, b) => a.at - b.at).map((x) => x.entry);
}
