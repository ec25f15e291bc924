import { buildReport, parseReportInput, summarise } from '../../shared/report';

/** The status mail goes out once provisioning has ended: mailboxes still marked Provisioning are set up. */
const input = {
  batch: { id: 'b1', name: 'wave 1', status: 'Syncing', createdAt: '2026-06-01T08:00:00Z' },
  mailboxes: [
    { emailAddress: 'a@x.com', status: 'Provisioning', itemsSynced: 0, itemsSkipped: 0, bytesSynced: 0 },
    { emailAddress: 'b@x.com', status: 'Provisioning', itemsSynced: 0, itemsSkipped: 0, bytesSynced: 0 },
    {
      emailAddress: 'c@x.com',
      status: 'Failed',
      itemsSynced: 0,
      itemsSkipped: 0,
      bytesSynced: 0,
      error: { code: 'GRAPH_USER_NOT_FOUND', message: 'no user c@x.com' },
    },
  ],
  skippedItems: [],
  links: {},
};

test('the status mail counts provisioned mailboxes as set up and lists the failed one', () => {
  const report = buildReport('status', input);
  expect(report.subject).toMatch(/2 set up, 1 failed/);
  expect(report.text).toContain('c@x.com');
  expect(report.text).toContain('GRAPH_USER_NOT_FOUND');
});

test('outside the status mail the same statuses are still pending, not set up', () => {
  const valid = parseReportInput(input);
  expect(summarise(valid, 'final')).toMatchObject({ setUp: 0, pending: 2, failed: 1 });
  expect(summarise(valid, 'status')).toMatchObject({ setUp: 2, pending: 0, failed: 1 });
});
