import { GraphMailTarget, scaledLimits } from '../../shared/graph';
import type { TargetMessage } from '../../shared/mail/target';
import { startGraphStandin, type GraphStandin } from '../../testing/graph-standin';
import { CLIENT_ID, TEST_SECRET, clientFor, mime } from '../../testing/jest/graph';

const USER = 'b0b0b0b0-0000-4000-8000-000000000002';

async function messages(prefix: string, n: number): Promise<TargetMessage[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const content = await mime({
        from: 'x@fabrikam.com',
        to: 'bob@contoso.com',
        subject: `${prefix} ${i}`,
        text: `body ${i}`,
      });
      return {
        key: `${prefix}-${i}`,
        size: content.length,
        internalDate: new Date(Date.UTC(2020, 0, 1 + i)),
        content,
        flags: [],
      };
    }),
  );
}

function subjects(standin: GraphStandin): string[] {
  return [...standin.state.mailboxes.get(USER)!.messages.values()]
    .map((m) => String(m.fields.subject))
    .sort();
}

async function standinWith(options: Parameters<typeof startGraphStandin>[0]): Promise<GraphStandin> {
  return startGraphStandin({
    apps: [{ clientId: CLIENT_ID, secret: TEST_SECRET }],
    users: [{ userPrincipalName: 'bob@contoso.com', id: USER }],
    ...options,
  });
}

describe('throttling', () => {
  it.each(['seconds', 'http-date'] as const)(
    'survives a 429 storm (Retry-After as %s) with nothing lost and nothing sent early',
    async (retryAfterFormat) => {
      const standin = await standinWith({ retryAfterFormat });
      try {
        const target = new GraphMailTarget(clientFor(standin), { userId: USER });
        await target.ensureFolder('INBOX');
        standin.storm({ count: 45, retryAfterSeconds: 1 });
        const items = await messages('storm', 50);
        const results = await Promise.all([
          target.append('INBOX', items.slice(0, 25)),
          target.append('INBOX', items.slice(25)),
        ]);
        expect(results.flat().every((r) => r.ok)).toBe(true);
        expect(subjects(standin)).toEqual(items.map((_, i) => `storm ${i}`).sort());
        expect(standin.state.throttle.throttled).toBeGreaterThanOrEqual(45);
        // The stand-in records arrival times: nothing came for the mailbox before its Retry-After.
        expect(standin.state.throttle.sentBeforeRetryAfter).toBe(0);
      } finally {
        await standin.stop();
      }
    },
  );

  it('never has more than 4 requests in flight for one mailbox, and is not throttled for it', async () => {
    const standin = await standinWith({ latencyMs: 10 });
    try {
      const client = clientFor(standin);
      const target = new GraphMailTarget(client, { userId: USER });
      await target.ensureFolder('INBOX');
      const items = await messages('conc', 60);
      await Promise.all([
        target.append('INBOX', items.slice(0, 20)),
        target.append('INBOX', items.slice(20, 40)),
        target.append('INBOX', items.slice(40)),
        ...Array.from({ length: 12 }, () => client.get(`/users/${USER}/mailFolders/inbox`)),
      ]);
      expect(subjects(standin)).toHaveLength(60);
      const peak = standin.state.throttle.peakConcurrency.get(USER)!;
      expect(peak).toBeLessThanOrEqual(4);
      expect(peak).toBeGreaterThan(1); // the budget allows parallelism, it does not serialise
      expect(standin.state.throttle.throttled).toBe(0);
    } finally {
      await standin.stop();
    }
  });

  it('keeps within request and upload windows so the server never has to throttle', async () => {
    // Exchange Online's limits with the windows compressed 600x and small counts, on both sides.
    const limits = { ...scaledLimits(600), requestsPerWindow: 15, uploadBytesPerWindow: 40_000 };
    const standin = await standinWith({
      limits: {
        requestsPerWindow: 15,
        requestWindowMs: limits.requestWindowMs,
        uploadBytesPerWindow: 40_000,
        uploadWindowMs: limits.uploadWindowMs,
      },
    });
    try {
      const target = new GraphMailTarget(clientFor(standin, { limits }), { userId: USER });
      await target.ensureFolder('INBOX');
      const items = await messages('window', 40);
      for (let i = 0; i < items.length; i += 4) await target.append('INBOX', items.slice(i, i + 4));
      expect(subjects(standin)).toHaveLength(40);
      expect(standin.state.throttle.throttled).toBe(0);
    } finally {
      await standin.stop();
    }
  });
});
