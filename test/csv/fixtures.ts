/** Builders for batch CSV test files, as administrators' tools write them. */

export const STAGED_HEADER = 'EmailAddress,Password,ForceChangePassword';
export const IMAP_HEADER = 'EmailAddress,UserName,Password,UserRoot';

/** Lines joined with LF, ending with one. */
export function lf(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** What Excel's "CSV UTF-8 (Comma delimited)" writes: BOM, CRLF after every line. */
export function excelUtf8(...lines: string[]): Buffer {
  return Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');
}

/** What Excel's "Unicode Text" / Notepad's "UTF-16 LE" writes: BOM FF FE, little-endian units. */
export function utf16le(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/** UTF-16 big-endian with BOM FE FF. */
export function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  return Buffer.concat([Buffer.from([0xfe, 0xff]), le.swap16()]);
}

/** A staged file of `count` valid rows. */
export function stagedRows(count: number): string {
  const lines = [STAGED_HEADER];
  for (let i = 0; i < count; i++) lines.push(`user${i}@contoso.com,Welcome#${i}pass,${i % 2 === 0}`);
  return lf(...lines);
}

/** An IMAP file of `count` valid rows (proxy form in UserName, as with a Dovecot master user). */
export function imapRows(count: number): string {
  const lines = [IMAP_HEADER];
  for (let i = 0; i < count; i++) lines.push(`user${i}@contoso.com,user${i}*mfadmin,Adm!n#Pw${i},`);
  return lf(...lines);
}
