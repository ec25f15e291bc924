import { buildReport } from '../../shared/report';

/** Reports show contacts and events apart from mail, and say plainly when they were not migrated. */
const input = {
  batch: { id: 'b-pim', name: 'PIM batch', status: 'Synced', createdAt: '2026-11-20T08:00:00Z' },
  mailboxes: [
    {
      emailAddress: 'ada@contoso.com',
      status: 'Synced',
      itemsSynced: 200,
      itemsSkipped: 1,
      bytesSynced: 1000,
      contacts: 30,
      events: 50,
    },
    {
      emailAddress: 'bob@contoso.com',
      status: 'Synced',
      itemsSynced: 10,
      itemsSkipped: 0,
      bytesSynced: 10,
      pimNote: 'not migrated: the target is IMAP, which has no contacts or calendars',
    },
  ],
  skippedItems: [
    {
      emailAddress: 'ada@contoso.com',
      folder: 'Contacts',
      subject: 'Project team',
      kind: 'contact',
      reason: 'PIM_DISTRIBUTION_LIST: a contact group',
    },
  ],
};

test('counts by kind and the IMAP-target note appear in the text and the HTML', () => {
  const report = buildReport('final', input, { now: new Date('2026-11-21T10:00:00Z') });
  expect(report.text).toContain('200 synced (mail 120, contacts 30, events 50)');
  expect(report.text).toContain('(mail 10, contacts and calendars not migrated: the target is IMAP');
  expect(report.text).toContain('Project team');
  expect(report.html).toContain('mail 120, contacts 30, events 50');
  expect(report.html).toContain('not migrated: the target is IMAP');
});
