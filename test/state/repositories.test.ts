import { tableClient } from '../../shared/storage/clients';
import { createStateStore, type StateStore } from '../../shared/state';
import { mailboxPartitionOf } from '../../shared/state/keys';
import { useAzurite } from '../../testing/jest/azurite';
import { problemOf as problem } from '../../testing/jest/problem';

const storage = useAzurite();

let store: StateStore;
let n = 0;
const uniqueName = (prefix: string) => `${prefix}-${++n}`;

beforeAll(() => {
  store = createStateStore(storage());
});

async function newBatch(name = uniqueName('wave')) {
  return store.batches.create({ name, sourceEndpoint: 'legacy', target: 'm365' });
}

describe('endpoints', () => {
  test('create, read, list, update and delete; names are unique ignoring case', async () => {
    const created = await store.endpoints.create({
      name: 'Legacy-IMAP',
      type: 'imap',
      settings: {
        host: 'imap.example.org',
        port: 993,
        security: 'tls',
        adminUser: 'admin',
        loginFormat: 'user*admin',
      },
      secretRef: 'secret:endpoint-legacy-imap',
    });
    expect(created.maxConcurrentMigrations).toBe(20);
    expect(await store.endpoints.get('legacy-imap')).toEqual(created);
    expect(await problem(store.endpoints.create({ name: 'LEGACY-imap', type: 'graph' }))).toMatchObject({
      code: 'ENDPOINT_NAME_TAKEN',
    });
    const updated = await store.endpoints.update('Legacy-IMAP', () => ({ maxConcurrentMigrations: 5 }));
    expect(updated.maxConcurrentMigrations).toBe(5);
    expect((await store.endpoints.list()).map((e) => e.name)).toContain('Legacy-IMAP');
    expect(await store.endpoints.delete('Legacy-IMAP')).toBe(true);
    expect(await problem(store.endpoints.get('Legacy-IMAP'))).toMatchObject({ code: 'ENDPOINT_NOT_FOUND' });
  });

  test('bad input is a coded error naming the field; the table never sees a secret', async () => {
    expect(await problem(store.endpoints.create({ name: 'bad/name', type: 'imap' }))).toMatchObject({
      code: 'ENDPOINT_INVALID',
      field: 'name',
    });
    expect(
      await problem(store.endpoints.create({ name: 'x', type: 'imap', secretRef: 'hunter2-plain-password' })),
    ).toMatchObject({ code: 'ENDPOINT_INVALID', field: 'secretRef' });
    const pasted = await problem(
      store.endpoints.create({
        name: 'y',
        type: 'imap',
        settings: { host: 'h', auth: { adminPassword: 'hunter2' } },
      }),
    );
    expect(pasted).toMatchObject({ code: 'ENDPOINT_INVALID', field: 'settings.auth.adminPassword' });
    expect(JSON.stringify(pasted)).not.toContain('hunter2');
  });

  test('an endpoint used by a batch cannot be deleted', async () => {
    await store.endpoints.create({ name: 'src-in-use', type: 'imap' });
    const b = await store.batches.create({
      name: uniqueName('uses'),
      sourceEndpoint: 'src-in-use',
      target: 'm365',
    });
    expect(await problem(store.deleteEndpoint('SRC-in-use'))).toMatchObject({
      code: 'ENDPOINT_IN_USE',
      batches: [{ id: b.id, name: b.name }],
    });
    await store.deleteBatch(b.id);
    expect(await store.deleteEndpoint('src-in-use')).toBe(true);
  });
});

describe('batches', () => {
  test('create applies option defaults; get, find by name (any case) and list return it', async () => {
    const b = await store.batches.create({
      name: 'HR Wave 1',
      sourceEndpoint: 'legacy',
      target: 'm365',
      options: { autoStart: true, notificationEmails: ['admin@contoso.com'] },
      csvBlob: 'hr-wave-1.csv',
    });
    expect(b).toMatchObject({
      status: 'Created',
      totalMailboxes: 0,
      validationErrorCount: 0,
      options: { autoStart: true, allowUnknownColumns: false, incrementalSyncIntervalHours: 24 },
    });
    expect(b.id).toMatch(/^[a-z0-9]{12}$/);
    expect(await store.batches.get(b.id)).toEqual(b);
    expect((await store.batches.findByName('hr wave 1'))?.id).toBe(b.id);
    expect((await store.batches.list()).map((x) => x.id)).toContain(b.id);
    expect(
      await problem(store.batches.create({ name: 'hr WAVE 1', sourceEndpoint: 'legacy', target: 'm365' })),
    ).toMatchObject({ code: 'BATCH_NAME_TAKEN' });
  });

  test('invalid options are refused with the field named', async () => {
    expect(
      await problem(
        store.batches.create({
          name: uniqueName('opt'),
          sourceEndpoint: 'legacy',
          target: 'm365',
          options: { incrementalSyncIntervalHours: 0 },
        }),
      ),
    ).toMatchObject({ code: 'BATCH_INVALID', field: 'options.incrementalSyncIntervalHours' });
    expect(
      await problem(
        store.batches.create({
          name: uniqueName('opt'),
          sourceEndpoint: 'legacy',
          target: 'm365',
          options: { autoStrat: true } as never,
        }),
      ),
    ).toMatchObject({ code: 'BATCH_INVALID' });
    expect(await problem(store.batches.get('nosuchbatch1'))).toMatchObject({ code: 'BATCH_NOT_FOUND' });
  });

  test('lifecycle: actions and transitions set timestamps; illegal ones give the 409 error', async () => {
    const b = await newBatch();
    const started = await store.batches.applyAction(b.id, 'start');
    expect(started.status).toBe('Starting');
    expect(started.startedAt).toBeDefined();
    expect(await problem(store.batches.applyAction(b.id, 'complete'))).toMatchObject({
      code: 'BATCH_ILLEGAL_TRANSITION',
      status: 'Starting',
      allowedActions: ['stop'],
    });
    await store.batches.transition(b.id, 'Syncing');
    // A retried activity reporting the same status is harmless.
    await store.batches.transition(b.id, 'Syncing');
    expect(await problem(store.batches.applyAction(b.id, 'remove'))).toMatchObject({
      code: 'BATCH_ILLEGAL_TRANSITION',
      status: 'Syncing',
    });
    const synced = await store.batches.transition(b.id, 'SyncedWithErrors', {
      lastError: { code: 'MAILBOX_FAILED', message: '2 mailboxes failed' },
    });
    expect(synced.lastSyncedAt).toBeDefined();
    expect(synced.lastError).toEqual({ code: 'MAILBOX_FAILED', message: '2 mailboxes failed' });
    await store.batches.applyAction(b.id, 'complete');
    const done = await store.batches.transition(b.id, 'Completed', { lastError: undefined });
    expect(done.completedAt).toBeDefined();
    expect(done.lastError).toBeUndefined();
    expect(await problem(store.batches.applyAction(b.id, 'start'))).toMatchObject({
      code: 'BATCH_ILLEGAL_TRANSITION',
      status: 'Completed',
      allowedActions: ['remove'],
    });
    expect(await problem(store.batches.transition(b.id, 'Syncing'))).toMatchObject({
      code: 'BATCH_ILLEGAL_TRANSITION',
      to: 'Syncing',
    });
    // A raw update cannot sneak past the lifecycle table either.
    expect(await problem(store.batches.update(b.id, () => ({ status: 'Syncing' })))).toMatchObject({
      code: 'BATCH_ILLEGAL_TRANSITION',
    });
    expect((await store.batches.get(b.id)).status).toBe('Completed');
  });

  test('a large validation error list (over 1 MiB) is stored and read back whole, and can be replaced', async () => {
    const b = await store.batches.create({
      name: uniqueName('bad'),
      sourceEndpoint: 'legacy',
      target: 'm365',
      status: 'Failed',
    });
    const errors = Array.from({ length: 8000 }, (_, i) => ({
      code: 'CSV_EMAIL_INVALID',
      row: i + 2,
      column: 'EmailAddress',
      message: `Row ${i + 2}: "usér${i}" is not an email address 📧; write it as name@domain. ${'x'.repeat(100)}`,
    }));
    const stored = await store.batches.setValidationErrors(b.id, errors);
    expect(stored.validationErrorCount).toBe(8000);
    expect(JSON.stringify(errors).length).toBeGreaterThan(1024 * 1024);
    expect(await store.batches.getValidationErrors(b.id)).toEqual(errors);
    await store.batches.setValidationErrors(b.id, errors.slice(0, 3));
    expect(await store.batches.getValidationErrors(b.id)).toEqual(errors.slice(0, 3));
    // The slices of the first list are gone: only the batch row, its name and one slice remain.
    const table = tableClient(storage(), 'batches');
    const rows = [];
    for await (const e of table.listEntities()) if (String(e.rowKey).includes(b.id)) rows.push(e.rowKey);
    expect(rows).toHaveLength(2);
  });
});

describe('mailboxes', () => {
  test('added mailboxes are counted on the batch; adding again is idempotent', async () => {
    const b = await newBatch();
    const items = [
      { email: 'Alice@Contoso.com', userName: 'alice*admin', passwordRef: 'secret:batch-x-1' },
      { email: 'bob@contoso.com', forceChangePassword: true },
      { email: 'odd/#?%@contoso.com' },
      { email: '%%counts-0@contoso.com' },
    ];
    expect(await store.mailboxes.addMany(b.id, items)).toEqual({ added: 4, existing: [] });
    expect(await store.mailboxes.addMany(b.id, items.slice(0, 2))).toEqual({
      added: 0,
      existing: ['Alice@Contoso.com', 'bob@contoso.com'],
    });
    const batch = await store.batches.get(b.id);
    expect(batch.totalMailboxes).toBe(4);
    expect(batch.counts.Validating).toBe(4);
    // Addresses that look like internal keys are still just mailboxes.
    expect((await store.mailboxes.list(b.id)).items.map((m) => m.email).sort()).toEqual(
      items.map((i) => i.email).sort(),
    );
    const alice = await store.mailboxes.get(b.id, ' alice@contoso.COM ');
    expect(alice).toMatchObject({
      email: 'Alice@Contoso.com',
      status: 'Validating',
      userName: 'alice*admin',
      itemsSynced: 0,
    });
    expect((await store.mailboxes.get(b.id, 'odd/#?%@contoso.com')).email).toBe('odd/#?%@contoso.com');
    expect(await problem(store.mailboxes.get(b.id, 'nobody@contoso.com'))).toMatchObject({
      code: 'MAILBOX_NOT_FOUND',
    });
  });

  test('statistics and status changes: timestamps set, large byte counts kept exact', async () => {
    const b = await newBatch();
    await store.mailboxes.addMany(b.id, [{ email: 'carol@contoso.com', status: 'Queued' }]);
    await store.mailboxes.setStatus(b.id, 'carol@contoso.com', 'Syncing');
    const m = await store.mailboxes.update(b.id, 'carol@contoso.com', (cur) => ({
      status: 'Synced',
      itemsSynced: cur.itemsSynced + 12345,
      bytesSynced: 7_000_000_123,
      ratePerMinute: 410.5,
    }));
    expect(m.syncedAt).toBeDefined();
    const read = await store.mailboxes.get(b.id, 'carol@contoso.com');
    expect(read).toMatchObject({
      status: 'Synced',
      itemsSynced: 12345,
      bytesSynced: 7_000_000_123,
      ratePerMinute: 410.5,
    });
    expect(read.queuedAt && read.syncStartedAt && read.lastSuccessfulSync).toBeTruthy();
    expect((await store.batches.get(b.id)).counts).toMatchObject({ Queued: 0, Syncing: 0, Synced: 1 });
  });

  test('paged listing walks every mailbox once, with and without a status filter', async () => {
    const b = await newBatch();
    const emails = Array.from({ length: 250 }, (_, i) => `user${String(i).padStart(3, '0')}@contoso.com`);
    await store.mailboxes.addMany(
      b.id,
      emails.map((email, i) => ({ email, status: i % 5 === 0 ? ('Failed' as const) : ('Queued' as const) })),
    );
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await store.mailboxes.list(b.id, { pageSize: 40, continuationToken: token });
      expect(page.items.length).toBeLessThanOrEqual(40);
      seen.push(...page.items.map((m) => m.email));
      token = page.continuationToken;
      pages++;
    } while (token);
    expect(seen.sort()).toEqual(emails);
    expect(pages).toBe(7);
    const failed = await store.mailboxes.list(b.id, { status: 'Failed', pageSize: 1000 });
    expect(failed.items).toHaveLength(50);
    expect(failed.continuationToken).toBeUndefined();
    for (const bad of ['not a token!', 'abcd', Buffer.from('{"x":1}').toString('base64')]) {
      expect(await problem(store.mailboxes.list(b.id, { continuationToken: bad }))).toMatchObject({
        code: 'PAGE_TOKEN_INVALID',
      });
    }
  });

  test('deleteBatch removes the batch, its name, its mailboxes and counts', async () => {
    const b = await newBatch('to-be-removed');
    await store.mailboxes.addMany(
      b.id,
      Array.from({ length: 230 }, (_, i) => ({ email: `u${i}@contoso.com` })),
    );
    await store.batches.setValidationErrors(b.id, [{ code: 'X', message: 'y' }]);
    await store.batches.applyAction(b.id, 'remove');
    expect(await store.deleteBatch(b.id)).toBe(true);
    expect(await problem(store.batches.get(b.id))).toMatchObject({ code: 'BATCH_NOT_FOUND' });
    const left: unknown[] = [];
    for await (const e of tableClient(storage(), 'mailboxes').listEntities({
      queryOptions: { filter: `PartitionKey ge '${b.id}.' and PartitionKey lt '${b.id}/'` },
    })) {
      left.push(e);
    }
    expect(left).toHaveLength(0);
    for await (const e of tableClient(storage(), 'batches').listEntities())
      expect(String(e.rowKey)).not.toContain(b.id);
    // The name is free again.
    expect((await newBatch('to-be-removed')).name).toBe('to-be-removed');
    expect(await store.deleteBatch(b.id)).toBe(false);
  });
});

describe('corrupted rows', () => {
  test('a hand-edited batch row gives STATE_CORRUPT_ENTITY naming the row and field', async () => {
    const b = await newBatch();
    const table = tableClient(storage(), 'batches');
    await table.updateEntity(
      { partitionKey: 'batches', rowKey: `id:${b.id}`, status: 'Exploded', options: '{not json' },
      'Merge',
    );
    const err = await problem(store.batches.get(b.id));
    expect(err).toMatchObject({ code: 'STATE_CORRUPT_ENTITY', table: 'batches', rowKey: `id:${b.id}` });
    const paths = (err.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['status', 'options']));
    await table.deleteEntity('batches', `id:${b.id}`);
  });

  test('a corrupted mailbox row gives a coded error, not a crash', async () => {
    const b = await newBatch();
    await store.mailboxes.addMany(b.id, [{ email: 'dave@contoso.com' }]);
    await tableClient(storage(), 'mailboxes').updateEntity(
      {
        partitionKey: mailboxPartitionOf(b.id, 'dave@contoso.com'),
        rowKey: 'dave@contoso.com',
        itemsSynced: 'many',
      },
      'Merge',
    );
    expect(await problem(store.mailboxes.get(b.id, 'dave@contoso.com'))).toMatchObject({
      code: 'STATE_CORRUPT_ENTITY',
      issues: [{ path: 'itemsSynced' }],
    });
  });
});
