import Papa from 'papaparse';
import {
  buildReport,
  deliverReport,
  reportsContainer,
  smtpTransport,
  type ReportTransport,
} from '../../shared/report';
import { CodedError } from '../../shared/domain/errors';
import { useAzurite } from '../../testing/jest/azurite';
import { startCapturingSmtp } from '../../testing/jest/smtp';
import { knownBatch } from './fixture';

const storage = useAzurite();

const SMTP_USER = 'reports@contoso.com';
const SMTP_PASSWORD = 'Smtp-Pa55word!';
const REFUSED = 'nobody@contoso.com';

/** A real SMTP server in process: plain connection with AUTH, captures every message it accepts. */
const startSmtp = () =>
  startCapturingSmtp({ auth: { user: SMTP_USER, pass: SMTP_PASSWORD }, refuse: [REFUSED] });

function smtp(port: number, pass = SMTP_PASSWORD): ReportTransport {
  return smtpTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    auth: { user: SMTP_USER, pass },
    from: 'mailferry <reports@contoso.com>',
  });
}

async function blobText(name: string): Promise<string> {
  const buf = await reportsContainer(storage()).getBlockBlobClient(name).downloadToBuffer();
  return buf.toString('utf8');
}

let server: Awaited<ReturnType<typeof startSmtp>>;
beforeAll(async () => {
  server = await startSmtp();
});
afterAll(async () => {
  await server.close();
});

test('the final report reaches the SMTP server with its subject, recipients and three attachments, and is copied to blob', async () => {
  const report = buildReport('final', knownBatch());
  const result = await deliverReport({
    report,
    blob: storage(),
    recipients: ['admin@contoso.com', 'helpdesk@contoso.com'],
    transports: [smtp(server.port)],
  });

  expect(result.sends).toEqual([
    expect.objectContaining({
      transport: 'smtp',
      status: 'sent',
      accepted: ['admin@contoso.com', 'helpdesk@contoso.com'],
      rejected: [],
    }),
  ]);
  expect(result.attachmentsOmitted).toBe(false);

  const got = server.messages.at(-1)!;
  expect(got.from).toBe('reports@contoso.com');
  expect(got.to).toEqual(['admin@contoso.com', 'helpdesk@contoso.com']);
  expect(got.mail.subject).toBe(report.subject);
  expect(got.mail.html).toContain('12,345');
  expect(got.mail.text).toContain('Items synced:  12,845');
  expect(got.mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
    ['statistics.csv', 'text/csv'],
    ['errors.csv', 'text/csv'],
    ['report.json', 'application/json'],
  ]);
  // The attachment arrives byte for byte, BOM included, and still parses to the mailbox rows.
  const stats = got.mail.attachments[0]!.content;
  expect(stats.equals(report.files[0]!.content)).toBe(true);
  const rows = Papa.parse<Record<string, string>>(stats.toString('utf8').slice(1), {
    header: true,
    skipEmptyLines: true,
  }).data;
  expect(rows.map((r) => r.EmailAddress)).toEqual([
    'anna@contoso.com',
    'bjørn@contoso.com',
    'carl@contoso.com',
  ]);

  expect(result.container).toBe('reports');
  expect(result.blobs).toEqual([
    'batch-2026-sales/final/statistics.csv',
    'batch-2026-sales/final/errors.csv',
    'batch-2026-sales/final/report.json',
    'batch-2026-sales/final/report.html',
  ]);
  expect(JSON.parse(await blobText('batch-2026-sales/final/report.json')).kind).toBe('final');
  expect(await blobText('batch-2026-sales/final/report.html')).toBe(report.html);
  const props = await reportsContainer(storage())
    .getBlockBlobClient('batch-2026-sales/final/errors.csv')
    .getProperties();
  expect(props.contentType).toBe('text/csv; charset=utf-8');
});

test('a recipient the server refuses is reported as partial delivery, the others still get the mail', async () => {
  const result = await deliverReport({
    report: buildReport('status', knownBatch()),
    blob: storage(),
    recipients: ['admin@contoso.com', REFUSED],
    transports: [smtp(server.port)],
  });
  expect(result.sends[0]).toEqual(
    expect.objectContaining({ status: 'partial', accepted: ['admin@contoso.com'], rejected: [REFUSED] }),
  );
  expect(server.messages.at(-1)!.to).toEqual(['admin@contoso.com']);
});

test('failing transports are recorded as coded results, the working one still sends and the blob copy is written', async () => {
  const input = knownBatch();
  input.batch.id = 'batch-failing-transports';
  const report = buildReport('completion', input);
  const before = server.messages.length;

  // A port nothing listens on: take one from a server we start and close.
  const closed = await startSmtp();
  await closed.close();

  const result = await deliverReport({
    report,
    blob: reportsContainer(storage()),
    recipients: ['admin@contoso.com'],
    transports: [smtp(closed.port), smtp(server.port, 'wrong-password-123'), smtp(server.port)],
  });

  const [unreachable, badLogin, ok] = result.sends;
  expect(unreachable).toEqual(
    expect.objectContaining({
      status: 'failed',
      error: expect.objectContaining({ code: 'REPORT_SMTP_FAILED', smtpCode: 'ESOCKET', transport: 'smtp' }),
    }),
  );
  expect(unreachable!.error!.message).toContain(`127.0.0.1:${closed.port}`);
  expect(badLogin).toEqual(
    expect.objectContaining({ status: 'failed', error: expect.objectContaining({ smtpCode: 'EAUTH' }) }),
  );
  expect(badLogin!.error!.message).toContain('check the SMTP user name and password');
  expect(JSON.stringify(result)).not.toContain('wrong-password-123');
  expect(JSON.stringify(result)).not.toContain(SMTP_PASSWORD);
  expect(ok!.status).toBe('sent');
  expect(server.messages.length).toBe(before + 1);

  const names = [];
  for await (const blob of reportsContainer(storage()).listBlobsFlat({
    prefix: 'batch-failing-transports/',
  })) {
    names.push(blob.name);
  }
  expect(names.sort()).toEqual([
    'batch-failing-transports/completion/errors.csv',
    'batch-failing-transports/completion/report.html',
    'batch-failing-transports/completion/report.json',
    'batch-failing-transports/completion/statistics.csv',
  ]);
});

test('a transport that throws something unexpected is recorded, not thrown', async () => {
  const broken: ReportTransport = {
    name: 'graph',
    send: async () => {
      throw new TypeError('fetch failed');
    },
  };
  const result = await deliverReport({
    report: buildReport('final', knownBatch()),
    blob: storage(),
    recipients: ['admin@contoso.com'],
    transports: [broken],
  });
  expect(result.sends).toEqual([
    {
      transport: 'graph',
      status: 'failed',
      accepted: [],
      rejected: [],
      error: {
        code: 'REPORT_TRANSPORT_FAILED',
        transport: 'graph',
        message: 'Sending by graph failed: fetch failed',
      },
    },
  ]);
});

test('without recipients or transports only the blob copy is made; bad recipients are a coded result', async () => {
  const report = buildReport('status', knownBatch());
  const none = await deliverReport({
    report,
    blob: storage(),
    recipients: [],
    transports: [smtp(server.port)],
  });
  expect(none.sends).toEqual([{ transport: 'smtp', status: 'skipped', accepted: [], rejected: [] }]);
  expect(none.blobs).toHaveLength(4);

  const bad = await deliverReport({
    report,
    blob: storage(),
    recipients: ['not an address'],
    transports: [smtp(server.port)],
  });
  expect(bad.sends[0]).toEqual(
    expect.objectContaining({
      status: 'failed',
      error: expect.objectContaining({ code: 'REPORT_INVALID_RECIPIENTS' }),
    }),
  );
});

test('reports too large to attach go by link, and the mail says where the files are', async () => {
  const input = knownBatch();
  input.batch.id = 'batch-large';
  input.skippedItems = Array.from({ length: 12_000 }, (_, i) => ({
    emailAddress: 'anna@contoso.com',
    folder: 'Inbox/Archive',
    date: '2024-01-01T00:00:00Z',
    subject: `Attachment-heavy message number ${i} with a long subject line to take up room in the CSV`,
    kind: 'message',
    sizeBytes: 50_000_000 + i,
    reason: 'LargeItem: exceeds the 35 MB message size limit',
  }));
  const report = buildReport('final', input);
  const result = await deliverReport({
    report,
    blob: storage(),
    recipients: ['admin@contoso.com'],
    transports: [smtp(server.port)],
  });
  expect(result.attachmentsOmitted).toBe(true);
  const got = server.messages.at(-1)!;
  expect(got.mail.subject).toBe(report.subject);
  expect(got.mail.attachments).toEqual([]);
  expect(got.mail.html).toContain('more rows are in errors.csv');
  const csv = await blobText('batch-large/final/errors.csv');
  expect(csv.split('\r\n').filter((l) => l.startsWith('SkippedItem')).length).toBe(12_000);
});

test('when the blob copy cannot be written nothing is mailed, so a retry neither loses it nor mails twice', async () => {
  const wrongKey = storage().connectionString.replace(
    /AccountKey=[^;]+/,
    `AccountKey=${Buffer.from('wrong').toString('base64')}`,
  );
  const before = server.messages.length;
  await expect(
    deliverReport({
      report: buildReport('final', knownBatch()),
      blob: { connectionString: wrongKey },
      recipients: ['admin@contoso.com'],
      transports: [smtp(server.port)],
    }),
  ).rejects.toMatchObject({
    code: 'REPORT_BLOB_WRITE_FAILED',
    details: { container: 'reports', statusCode: 403 },
  });
  expect(server.messages.length).toBe(before);
});

test('SMTP settings are validated without echoing the password', () => {
  let error: unknown;
  try {
    smtpTransport({
      host: '',
      port: 70000,
      secure: false,
      auth: { user: 'x', pass: 'Hunter2-secret' },
      from: 'nope',
    });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CodedError);
  const problem = (error as CodedError).toJSON();
  expect(problem.code).toBe('REPORT_INVALID_SMTP_CONFIG');
  expect((problem.problems as { field: string }[]).map((p) => p.field)).toEqual(['host', 'port', 'from']);
  expect(JSON.stringify(problem)).not.toContain('Hunter2-secret');
});
