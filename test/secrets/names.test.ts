import {
  KeyVaultSecretStore,
  batchMailboxSecretName,
  batchSecretPrefix,
  endpointSecretName,
  isSecretRef,
  keyVaultSecretName,
  parseSecretRef,
  secretRef,
} from '../../shared/secrets';

test('a CSV password is named after the batch and a hash: no address in the name', () => {
  const name = batchMailboxSecretName('k3x9q2m1a0zz', ' Alice.Smith@Contoso.com ');
  expect(name).toMatch(/^batch-k3x9q2m1a0zz-[0-9a-f]{32}$/);
  expect(name).not.toMatch(/alice|contoso/i);
  expect(name).toBe(batchMailboxSecretName('k3x9q2m1a0zz', 'alice.smith@contoso.com'));
  expect(name.startsWith(batchSecretPrefix('k3x9q2m1a0zz'))).toBe(true);
  expect(batchMailboxSecretName('k3x9q2m1a0zz', 'bob@contoso.com')).not.toBe(name);
});

test('references round-trip and reject what is not a reference', () => {
  expect(parseSecretRef(secretRef('endpoint-legacy'))).toBe('endpoint-legacy');
  expect(isSecretRef('P@ssw0rd123')).toBe(false);
  expect(() => parseSecretRef('P@ssw0rd123')).toThrow(
    expect.objectContaining({ code: 'SECRET_REF_INVALID' }),
  );
  expect(() => parseSecretRef('P@ssw0rd123')).toThrow(
    expect.not.objectContaining({ message: expect.stringContaining('P@ss') }),
  );
});

test('Key Vault names use only [0-9a-zA-Z-], keep our names as they are and never collide', () => {
  expect(keyVaultSecretName('batch-k3x9q2m1a0zz-0123abcd')).toBe('batch-k3x9q2m1a0zz-0123abcd');
  expect(keyVaultSecretName(endpointSecretName('Legacy-IMAP'))).toBe('endpoint-legacy-imap');
  const odd = ['a.b', 'a_b', 'a-b', 'A-B', 'a--b', 'x--612e62', 'z'.repeat(127), 'Z'.repeat(127)];
  const mapped = odd.map(keyVaultSecretName);
  for (const m of mapped) expect(m).toMatch(/^[0-9a-zA-Z-]{1,127}$/);
  expect(new Set(mapped.map((m) => m.toLowerCase())).size).toBe(odd.length);
});

test('the Key Vault store constructs without network (DefaultAzureCredential is lazy)', () => {
  const store = new KeyVaultSecretStore({ vaultUrl: 'https://mailferry-test.vault.azure.net' });
  expect(store.client.vaultUrl).toBe('https://mailferry-test.vault.azure.net');
});
