import { createStateStore, type StateStore } from '../../shared/state';
import { useAzurite } from '../../testing/jest/azurite';

/**
 * A batch run's plan: window slots claim mailboxes from it. Each mailbox goes to exactly one claim,
 * a repeated claim (a retried activity) gets the same mailbox, an idle slot takes over another's
 * work, and a stopped run hands out nothing more.
 */
const storage = useAzurite();
let store: StateStore;
beforeAll(() => {
  store = createStateStore(storage());
});

const emails = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@example.com`);

test('slots claiming at once get every mailbox exactly once, then nothing', async () => {
  const plan = emails(1203); // more than two plan pages
  expect(await store.runs.createPlan('runsa', 'r1', plan, 7)).toEqual({ total: 1203, slots: 7 });
  const got: string[] = [];
  await Promise.all(
    Array.from({ length: 7 }, async (_, slot) => {
      for (let n = 0; ; n++) {
        const claim = await store.runs.claim('runsa', 'r1', slot, `slot${slot}:${n}`);
        if (!claim) return;
        expect(claim.email).toBe(plan[claim.index]);
        got.push(claim.email);
      }
    }),
  );
  expect(got.sort()).toEqual([...plan].sort());
  expect(await store.runs.progress('runsa', 'r1')).toEqual({ total: 1203, claimed: 1203, stopped: false });
}, 120000);

test('a claim repeated with the same token gets the same mailbox (a lost reply skips none)', async () => {
  await store.runs.createPlan('runsb', 'r1', emails(5), 2);
  const first = await store.runs.claim('runsb', 'r1', 0, 'slot0:0');
  expect(await store.runs.claim('runsb', 'r1', 0, 'slot0:0')).toEqual(first);
  const second = await store.runs.claim('runsb', 'r1', 0, 'slot0:1');
  expect(second?.email).not.toBe(first?.email);
  expect((await store.runs.progress('runsb', 'r1'))?.claimed).toBe(2);
});

test('one slot alone takes the whole plan: an empty stripe takes from the others', async () => {
  await store.runs.createPlan('runsc', 'r1', emails(10), 4);
  const got: string[] = [];
  for (let n = 0; ; n++) {
    const claim = await store.runs.claim('runsc', 'r1', 3, `slot3:${n}`);
    if (!claim) break;
    got.push(claim.email);
  }
  expect(got.sort()).toEqual(emails(10).sort());
});

test('planning again keeps the plan and what was handed out; a stop hands out nothing more', async () => {
  await store.runs.createPlan('runsd', 'r1', emails(6), 2);
  await store.runs.claim('runsd', 'r1', 0, 'a');
  expect(await store.runs.createPlan('runsd', 'r1', emails(3), 5)).toEqual({ total: 6, slots: 2 });
  expect((await store.runs.progress('runsd', 'r1'))?.claimed).toBe(1);
  await store.runs.stop('runsd', 'r1');
  expect(await store.runs.claim('runsd', 'r1', 1, 'b')).toBeUndefined();
  expect(await store.runs.claim('runsd', 'r1', 0, 'c')).toBeUndefined();
  await store.runs.delete('runsd', 'r1');
  expect(await store.runs.progress('runsd', 'r1')).toBeUndefined();
});
