import { GraphMailTarget } from '../../shared/graph';
import { clientFor, mime, useStandin } from '../../testing/jest/graph';

/**
 * Reconciliation into Microsoft 365 counts each folder with Graph's own figure (mailFolder
 * totalItemCount), by the same paths the copy writes to; here against the Graph stand-in.
 */
const USER = 'b0b0b0b0-0000-4000-8000-000000000002';
const standin = useStandin({ users: [{ userPrincipalName: 'bo@contoso.com', id: USER }] });

test('folder counts follow the mailbox: nested folders by path, and a deleted message is one fewer', async () => {
  const target = new GraphMailTarget(clientFor(standin()), { userId: USER });
  const message = async (n: number) => ({
    key: `k${n}`,
    messageId: `<m${n}@x>`,
    size: 100,
    internalDate: new Date(Date.UTC(2024, 0, n)),
    flags: [],
    content: await mime({
      from: 'a@fabrikam.com',
      to: 'bo@contoso.com',
      subject: `m ${n}`,
      text: `body ${n}`,
    }),
  });
  await target.ensureFolder('Projects/2024');
  const results = await target.append('Projects/2024', [
    await message(1),
    await message(2),
    await message(3),
  ]);
  expect(results.every((r) => r.ok)).toBe(true);

  let counts = await target.folderCounts();
  expect(counts.get('Projects/2024')).toEqual({ messages: 3, bytes: null });
  expect(counts.get('Projects')).toEqual({ messages: 0, bytes: null });

  const first = results[0];
  if (!first?.ok || !first.id) throw new Error('the stand-in returned no id');
  await target.remove('Projects/2024', [first.id]);
  counts = await target.folderCounts();
  expect(counts.get('Projects/2024')?.messages).toBe(2);
  await target.close();
});
