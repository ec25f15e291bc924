import { Attribute, Change } from 'ldapts';
import type { Services } from '../app/services';
import { CodedError, isCodedError } from '../domain/errors';
import { directoryFor, withDirectory, type DirectoryClient, type DirectoryUser } from '../directory';
import { normaliseEmail } from '../state/keys';
import { parseCloudMailboxesCsv, type CloudMailboxRow } from './cloud-csv';
import { allMailboxes } from './completion';
import { ForwardingStore } from './forwarding-store';
import { targetAddressValue } from './forwarding';
import { guidToBytes } from './guid';

/**
 * The LDAP half of the mail-user conversion, from the CSV Export-CloudMailboxes.ps1 wrote: per user,
 * X500 proxies for the cloud and the on-premises LegacyExchangeDN (added, never replacing an
 * address), msExchMailboxGuid set to the cloud ExchangeGuid, and targetAddress to the routing
 * address (its previous value recorded as for forwarding). One modify per user, so a refused write
 * changes nothing. It never deletes a mailbox or an address: Disable-Mailbox stays the
 * administrator's step (Convert-ToMailUser.ps1).
 */
export interface ConversionOutcome {
  email: string;
  outcome: 'written' | 'unchanged' | 'skipped' | 'failed';
  changes: string[];
  code?: string;
  message?: string;
}

export async function applyConversionLdap(
  svc: Services,
  batchId: string,
  csv: string,
): Promise<ConversionOutcome[]> {
  const batch = await svc.state.batches.get(batchId);
  if (!batch.options.applyConversionLdap || !batch.options.directory) {
    // 409: the request is fine, the batch is not set up for it.
    throw Object.assign(
      new CodedError(
        'CONVERSION_LDAP_OFF',
        `Batch ${batch.name} does not write the conversion to the directory: create it with the options directory and applyConversionLdap: true, or run Convert-ToMailUser.ps1.`,
        { batchId },
      ),
      { status: 409 },
    );
  }
  const rows = parseCloudMailboxesCsv(csv);
  const inBatch = new Set((await allMailboxes(svc, batchId)).map((m) => normaliseEmail(m.email)));
  const { settings, password } = await directoryFor(svc, batch.options.directory);
  const store = new ForwardingStore(svc);
  return withDirectory(settings, password, async (directory) => {
    const out: ConversionOutcome[] = [];
    for (const row of rows) {
      const email = row.SourceAddress;
      if (!inBatch.has(normaliseEmail(email))) {
        out.push({
          email,
          outcome: 'skipped',
          changes: [],
          code: 'NOT_IN_BATCH',
          message: `${email} is not a mailbox of batch ${batch.name}.`,
        });
        continue;
      }
      try {
        out.push(await convertOne(directory, store, batchId, row));
      } catch (e) {
        if (!isCodedError(e)) throw e;
        out.push({ email, outcome: 'failed', changes: [], code: e.code, message: e.message });
      }
    }
    return out;
  });
}

async function convertOne(
  directory: DirectoryClient,
  store: ForwardingStore,
  batchId: string,
  row: CloudMailboxRow,
): Promise<ConversionOutcome> {
  const email = row.SourceAddress;
  const user: DirectoryUser = await directory.findUser(email);
  const changes: Change[] = [];
  const described: string[] = [];
  identityChanges(user, row, changes, described);
  const wanted = targetAddressValue(row.RoutingAddress);
  const current = user.targetAddress;
  const routing = current?.toLowerCase() !== wanted.toLowerCase();
  if (routing) {
    // The address the user routed to before is recorded once, before it is overwritten.
    const before = await store.get(batchId, email);
    if (!before?.previousKnown)
      await store.put({
        batchId,
        email,
        dn: user.dn,
        previous: current,
        previousKnown: true,
        wanted,
        state: 'pending',
      });
    if (current !== undefined) changes.push(attributeChange('delete', 'targetAddress', [current]));
    changes.push(attributeChange('add', 'targetAddress', [wanted]));
    described.push(`targetAddress = ${wanted}`);
  }
  if (!changes.length) return { email, outcome: 'unchanged', changes: [] };
  await directory.modify(user.dn, changes, 'write the conversion to');
  if (routing) {
    const before = await store.get(batchId, email);
    await store.put({
      ...(before ?? { previousKnown: false }),
      batchId,
      email,
      dn: user.dn,
      wanted,
      state: 'set',
      code: undefined,
      message: undefined,
    });
  }
  return { email, outcome: 'written', changes: described };
}

function attributeChange(
  operation: 'add' | 'delete' | 'replace',
  type: string,
  values: string[] | Buffer[],
): Change {
  return new Change({ operation, modification: new Attribute({ type, values }) });
}

/** The X500 addresses (old Exchange DNs, so replies to old mail still arrive) and the mailbox GUID. */
function identityChanges(
  user: DirectoryUser,
  row: CloudMailboxRow,
  changes: Change[],
  described: string[],
): void {
  const has = (p: string) => user.proxyAddresses.some((a) => a.toLowerCase() === p.toLowerCase());
  const x500 = [row.LegacyExchangeDN, user.legacyExchangeDN]
    .filter((dn): dn is string => !!dn)
    .map((dn) => `X500:${dn}`)
    .filter((p, i, all) => !has(p) && all.findIndex((q) => q.toLowerCase() === p.toLowerCase()) === i);
  if (x500.length) {
    changes.push(attributeChange('add', 'proxyAddresses', x500));
    described.push(...x500.map((p) => `proxyAddresses += ${p}`));
  }
  const guid = guidToBytes(row.ExchangeGuid);
  if (!user.msExchMailboxGuid?.equals(guid)) {
    changes.push(attributeChange('replace', 'msExchMailboxGuid', [guid]));
    described.push(`msExchMailboxGuid = ${row.ExchangeGuid}`);
  }
}
