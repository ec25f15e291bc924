import { CodedError } from '../domain/errors';

const GUID = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value.trim());
}

/**
 * A GUID's 16 bytes in .NET `Guid.ToByteArray()` order, the order Active Directory stores
 * msExchMailboxGuid in: the first three groups little-endian, the last two as written.
 */
export function guidToBytes(guid: string): Buffer {
  const m = GUID.exec(guid.trim());
  if (!m)
    throw new CodedError(
      'GUID_INVALID',
      `"${guid}" is not a GUID like 0a1b2c3d-0000-1111-2222-333344445555.`,
    );
  const le = (hex: string) => Buffer.from(hex, 'hex').reverse();
  return Buffer.concat([le(m[1]!), le(m[2]!), le(m[3]!), Buffer.from(m[4]! + m[5]!, 'hex')]);
}
