import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { services, type Services } from '../../shared/app/services';
import { applyConversionLdap } from '../../shared/cutover/conversion-ldap';
import { forwardingSummary, restoreForwarding, setForwarding } from '../../shared/cutover/forwarding';
import { retryForwarding } from '../../shared/cutover/retry';
import { pickRoutingAddress } from '../../shared/cutover/routing';
import { removeBatchData } from '../../shared/batches/remove';
import { Attribute, Change, Client } from 'ldapts';
import { ForwardingStore } from '../../shared/cutover/forwarding-store';
import { testDirectoryEndpoint } from '../../shared/directory';
import { endpointSecretName, secretRef } from '../../shared/secrets/refs';
import { useAzurite } from '../../testing/jest/azurite';
import { startSlapd, type RunningSlapd } from '../../testing/slapd';
import { problemOf } from '../../testing/jest/problem';

/**
 * Forwarding against a real OpenLDAP directory whose schema carries Active Directory's Exchange
 * attributes: only provisioned users get targetAddress, only that attribute changes, the previous
 * value is kept and restored, and every failure is a coded warning.
 */
const storage = useAzurite();
let slapd: RunningSlapd;
let svc: Services;
const ROUTING = 'contoso.mail.onmicrosoft.com';

beforeAll(async () => {
  slapd = await startSlapd([
    {
      cn: 'alice',
      mail: 'alice@contoso.test',
      mailNickname: 'alice',
      proxyAddresses: ['SMTP:alice@contoso.test'],
    },
    // bob had a forward before the migration: it must come back on restore
    { cn: 'bob', mail: 'bob@contoso.test', mailNickname: 'bobby', targetAddress: 'SMTP:bob@old-relay.test' },
    { cn: 'carol', mail: 'carol@contoso.test', mailNickname: 'carol' },
    // two entries with one address
    { cn: 'twin1', mail: 'twin@contoso.test' },
    { cn: 'twin2', mail: 'twin@contoso.test' },
  ]);
  svc = services({
    AzureWebJobsStorage: storage().connectionString,
    MAILFERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailferry-fwd-')),
  });
  for (const [name, dn, password] of [
    ['ad', slapd.writer.dn, slapd.writer.password],
    ['ad-readonly', slapd.reader.dn, slapd.reader.password],
    ['ad-wrongpw', slapd.writer.dn, 'not-the-password'],
    ['ad-down', slapd.writer.dn, slapd.writer.password],
  ] as const) {
    await svc.secrets.set(endpointSecretName(name), password);
    await svc.state.endpoints.create({
      name,
      type: 'ldap',
      // Nothing listens on port 1: the unreachable directory.
      settings: {
        url: name === 'ad-down' ? 'ldap://127.0.0.1:1' : slapd.url,
        security: 'none',
        bindDn: dn,
        baseDn: slapd.baseDn,
      },
      secretRef: secretRef(endpointSecretName(name)),
    });
  }
  await svc.state.endpoints.create({ name: 'legacy', type: 'imap', settings: {} });
  await svc.state.endpoints.create({ name: 'newhost', type: 'imap', settings: {} });
}, 60000);

afterAll(async () => {
  await slapd?.stop();
});

let n = 0;
async function batchWith(options: Record<string, unknown>) {
  return svc.state.batches.create({
    name: `fwd-${++n}`,
    sourceEndpoint: 'legacy',
    target: 'newhost',
    options: { forwardingDomain: ROUTING, ...options },
  });
}

/** Every entry's lines, except the one attribute forwarding may change. */
const withoutTargetAddress = (dump: string) =>
  dump
    .split('\n')
    .filter((l) => !/^targetAddress:/i.test(l))
    .join('\n');
const targetOf = (dump: string, cn: string) =>
  dump
    .split('\n\n')
    .find((e) => e.startsWith(`dn: cn=${cn},`))
    ?.split('\n')
    .find((l) => l.startsWith('targetAddress:'))
    ?.slice('targetAddress: '.length);

test('the endpoint test binds and searches; a wrong password and an unreachable directory are coded', async () => {
  const ok = await testDirectoryEndpoint(svc, await svc.state.endpoints.get('ad'));
  expect(ok).toMatchObject({ ok: true, boundAs: slapd.writer.dn, baseDn: slapd.baseDn });
  await expect(testDirectoryEndpoint(svc, await svc.state.endpoints.get('ad-wrongpw'))).rejects.toMatchObject(
    {
      code: 'DIRECTORY_BIND_FAILED',
    },
  );
  await expect(testDirectoryEndpoint(svc, await svc.state.endpoints.get('ad-down'))).rejects.toMatchObject({
    code: 'DIRECTORY_UNREACHABLE',
  });
});

test('forwarding is set for the given users only, only targetAddress changes, reruns write nothing, restore puts the old values back', async () => {
  const batch = await batchWith({ directory: 'ad', restoreForwarding: true });
  const before = slapd.dump();

  expect(await setForwarding(svc, batch.id, 'alice@contoso.test')).toEqual({
    state: 'set',
    targetAddress: `SMTP:alice@${ROUTING}`,
    changed: true,
  });
  expect(await setForwarding(svc, batch.id, 'bob@contoso.test')).toMatchObject({
    state: 'set',
    targetAddress: `SMTP:bobby@${ROUTING}`, // the alias is the directory's mailNickname
  });
  const after = slapd.dump();
  expect(withoutTargetAddress(after)).toBe(withoutTargetAddress(before));
  expect(targetOf(after, 'alice')).toBe(`SMTP:alice@${ROUTING}`);
  expect(targetOf(after, 'bob')).toBe(`SMTP:bobby@${ROUTING}`);
  expect(targetOf(after, 'carol')).toBeUndefined(); // not provisioned: untouched

  const store = new ForwardingStore(svc);
  expect(await store.get(batch.id, 'bob@contoso.test')).toMatchObject({
    previous: 'SMTP:bob@old-relay.test',
    previousKnown: true,
    state: 'set',
  });
  expect((await store.get(batch.id, 'alice@contoso.test'))?.previous).toBeUndefined();

  // A rerun finds the value in place: nothing written, the recorded previous value unchanged.
  expect(await setForwarding(svc, batch.id, 'bob@contoso.test')).toMatchObject({
    state: 'set',
    changed: false,
  });
  expect(slapd.dump()).toBe(after);
  expect((await store.get(batch.id, 'bob@contoso.test'))?.previous).toBe('SMTP:bob@old-relay.test');
  expect(await forwardingSummary(svc, batch, 3)).toMatchObject({
    enabled: true,
    set: 2,
    of: 3,
    warnings: [],
  });

  const restored = await restoreForwarding(svc, batch.id);
  expect(restored).toEqual({ restored: 2, skipped: [] });
  expect(slapd.dump()).toBe(before);
});

test('a user not found, two users matching and a refused write are coded warnings that leave the directory as it was', async () => {
  const batch = await batchWith({ directory: 'ad' });
  const before = slapd.dump();
  expect(await setForwarding(svc, batch.id, 'nobody@contoso.test')).toMatchObject({
    state: 'warning',
    warning: { code: 'DIRECTORY_USER_NOT_FOUND', message: expect.stringContaining('nobody@contoso.test') },
  });
  expect(await setForwarding(svc, batch.id, 'twin@contoso.test')).toMatchObject({
    state: 'warning',
    warning: { code: 'DIRECTORY_USER_AMBIGUOUS' },
  });
  const readonly = await batchWith({ directory: 'ad-readonly' });
  expect(await setForwarding(svc, readonly.id, 'carol@contoso.test')).toMatchObject({
    state: 'warning',
    warning: { code: 'DIRECTORY_WRITE_REFUSED' },
  });
  const down = await batchWith({ directory: 'ad-down' });
  expect(await setForwarding(svc, down.id, 'carol@contoso.test')).toMatchObject({
    state: 'warning',
    warning: { code: 'DIRECTORY_UNREACHABLE' },
  });
  expect(slapd.dump()).toBe(before);
  const summary = await forwardingSummary(svc, batch, 2);
  expect(summary.warnings.map((w) => w.code).sort()).toEqual([
    'DIRECTORY_USER_AMBIGUOUS',
    'DIRECTORY_USER_NOT_FOUND',
  ]);
});

test('once the cause is fixed, retrying sets forwarding where it had a warning', async () => {
  const batch = await batchWith({ directory: 'ad' });
  expect((await setForwarding(svc, batch.id, 'twin@contoso.test')).state).toBe('warning');
  // The administrator removes the duplicate address from one of the two entries.
  const admin = new Client({ url: slapd.url });
  await admin.bind(slapd.root.dn, slapd.root.password);
  await admin.modify(slapd.dnOf('twin2'), [
    new Change({
      operation: 'delete',
      modification: new Attribute({ type: 'mail', values: ['twin@contoso.test'] }),
    }),
  ]);
  await admin.unbind();
  const retried = await retryForwarding(svc, batch.id);
  expect(retried).toMatchObject({ retried: 1, outcomes: [{ email: 'twin@contoso.test', state: 'set' }] });
  expect(slapd.dump()).toContain(`targetAddress: SMTP:twin@${ROUTING}`);
  expect(await forwardingSummary(svc, batch, 1)).toMatchObject({ set: 1, warnings: [] });
  await restoreForwarding(svc, batch.id);
});

test('removing a batch whose directory is down still removes it, and keeps the values to restore', async () => {
  const batch = await batchWith({ directory: 'ad', restoreForwarding: true });
  expect((await setForwarding(svc, batch.id, 'carol@contoso.test')).state).toBe('set');
  // The directory becomes unreachable before the batch is removed.
  await svc.state.batches.update(batch.id, (b) => ({ options: { ...b.options, directory: 'ad-down' } }));
  await removeBatchData(svc, batch.id);
  expect(await svc.state.batches.find(batch.id)).toBeUndefined();
  expect(await new ForwardingStore(svc).list(batch.id)).toEqual([
    expect.objectContaining({
      email: 'carol@contoso.test',
      dn: slapd.dnOf('carol'),
      previousKnown: true,
      state: 'set',
    }),
  ]);
});

test('the routing address: the .mail.onmicrosoft.com proxy first, coded when there is none or no domain to use', async () => {
  expect(
    pickRoutingAddress(
      ['SMTP:ann@contoso.com', 'smtp:ann@contoso.onmicrosoft.com', 'smtp:ann@contoso.mail.onmicrosoft.com'],
      'ann@contoso.com',
    ),
  ).toBe('ann@contoso.mail.onmicrosoft.com');
  expect(
    pickRoutingAddress(['SMTP:ann@contoso.com', 'smtp:ann@contoso.onmicrosoft.com'], 'ann@contoso.com'),
  ).toBe('ann@contoso.onmicrosoft.com');
  expect(() => pickRoutingAddress(['SMTP:ann@contoso.com'], 'ann@contoso.com')).toThrow(
    expect.objectContaining({ code: 'FORWARDING_NO_ROUTING_ADDRESS' }),
  );
  // An IMAP target without forwardingDomain: nowhere to forward to, said as a warning.
  const batch = await svc.state.batches.create({
    name: `fwd-nodomain-${++n}`,
    sourceEndpoint: 'legacy',
    target: 'newhost',
    options: { directory: 'ad' },
  });
  const before = slapd.dump();
  expect(await setForwarding(svc, batch.id, 'alice@contoso.test')).toMatchObject({
    state: 'warning',
    warning: { code: 'FORWARDING_DOMAIN_MISSING' },
  });
  expect(slapd.dump()).toBe(before);
});

test('setForwarding: false turns it off', async () => {
  const batch = await batchWith({ directory: 'ad', setForwarding: false });
  const before = slapd.dump();
  expect(await setForwarding(svc, batch.id, 'carol@contoso.test')).toEqual({ state: 'off' });
  expect(slapd.dump()).toBe(before);
});

describe('the LDAP half of the conversion (applyConversionLdap)', () => {
  const CLOUD_GUID = '00112233-4455-6677-8899-aabbccddeeff';
  const csv = (rows: string[][]) =>
    [
      'SourceAddress,PrimarySmtpAddress,ExchangeGuid,LegacyExchangeDN,EmailAddresses,RoutingAddress',
      ...rows.map((r) => r.map((c) => `"${c}"`).join(',')),
    ].join('\r\n');
  const aliceRow = [
    'alice@contoso.test',
    'alice@contoso.test',
    CLOUD_GUID,
    '/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=abc-alice',
    'SMTP:alice@contoso.test;smtp:alice@contoso.mail.onmicrosoft.com',
    'alice@contoso.mail.onmicrosoft.com',
  ];

  test('adds the X500 proxies, sets msExchMailboxGuid in GUID.ToByteArray order and targetAddress; a rerun changes nothing', async () => {
    const batch = await batchWith({ directory: 'ad', applyConversionLdap: true });
    await svc.state.mailboxes.addMany(batch.id, [{ email: 'alice@contoso.test' }]);
    const before = slapd.dump();
    const outcomes = await applyConversionLdap(
      svc,
      batch.id,
      csv([aliceRow, ['carol@contoso.test', ...aliceRow.slice(1)]]),
    );
    expect(outcomes.map((o) => [o.email, o.outcome, o.code])).toEqual([
      ['alice@contoso.test', 'written', undefined],
      ['carol@contoso.test', 'skipped', 'NOT_IN_BATCH'],
    ]);
    const after = slapd.dump();
    const alice = after.split('\n\n').find((e) => e.startsWith('dn: cn=alice,'))!;
    expect(alice).toContain(`proxyAddresses: X500:${aliceRow[3]}`);
    expect(alice).toContain('proxyAddresses: SMTP:alice@contoso.test'); // kept
    expect(alice).toContain('targetAddress: SMTP:alice@contoso.mail.onmicrosoft.com');
    // .NET ToByteArray: the first three groups little-endian
    const guid = /^msExchMailboxGuid:: (.*)$/m.exec(alice)![1]!;
    expect(Buffer.from(guid, 'base64').toString('hex')).toBe('33221100554477668899aabbccddeeff');
    // Only alice changed, and only by additions and those two attributes.
    const others = (d: string) => d.split('\n\n').filter((e) => !e.startsWith('dn: cn=alice,'));
    expect(others(after)).toEqual(others(before));
    const aliceBefore = before.split('\n\n').find((e) => e.startsWith('dn: cn=alice,'))!;
    for (const line of aliceBefore.split('\n')) expect(alice.split('\n')).toContain(line);

    expect((await applyConversionLdap(svc, batch.id, csv([aliceRow])))[0]).toMatchObject({
      outcome: 'unchanged',
    });
    expect(slapd.dump()).toBe(after);
    // restore afterwards puts targetAddress back (alice had none)
    await restoreForwarding(svc, batch.id);
    expect(slapd.dump()).not.toContain('targetAddress: SMTP:alice@contoso.mail.onmicrosoft.com');
  });

  test('off unless the batch asks for it; a CSV that is not the export is refused naming the column', async () => {
    const off = await batchWith({ directory: 'ad' });
    await expect(applyConversionLdap(svc, off.id, csv([aliceRow]))).rejects.toMatchObject({
      code: 'CONVERSION_LDAP_OFF',
    });
    const on = await batchWith({ directory: 'ad', applyConversionLdap: true });
    expect(
      await problemOf(applyConversionLdap(svc, on.id, 'SourceAddress,ExchangeGuid\r\na@b.c,x\r\n')),
    ).toMatchObject({
      code: 'CONVERSION_CSV_INVALID',
      field: 'PrimarySmtpAddress',
    });
    const badGuid = [...aliceRow];
    badGuid[2] = 'not-a-guid';
    expect(await problemOf(applyConversionLdap(svc, on.id, csv([badGuid])))).toMatchObject({
      code: 'CONVERSION_CSV_INVALID',
      row: 2,
      column: 'ExchangeGuid',
    });
  });
});
