import { StandinMailbox, type StandinAccount } from './index';

/** The mailbox and accounts the EWS tests run against (fixtures in ./fixtures). */

export const ALICE = 'alice@contoso.com';
export const ADMIN: StandinAccount = {
  user: 'svc-migrate',
  domain: 'CONTOSO',
  password: 'Adm1n-Pass!',
  mayImpersonate: true,
};
export const ALICE_ACCOUNT: StandinAccount = {
  user: 'alice',
  domain: 'CONTOSO',
  password: 'alice-pw',
  email: ALICE,
};
/** An account without impersonation rights. */
export const EVE: StandinAccount = {
  user: 'eve',
  domain: 'CONTOSO',
  password: 'eve-pw',
  email: 'eve@contoso.com',
};
export const PAGED_CONTACTS = 600;

export function aliceMailbox(): StandinMailbox {
  const box = new StandinMailbox(ALICE);
  box.addFolder({
    id: 'fld-team',
    parentId: 'fld-calendar',
    displayName: 'Team',
    folderClass: 'IPF.Appointment',
  });
  box.addFolder({
    id: 'fld-suppliers',
    parentId: 'fld-contacts',
    displayName: 'Suppliers',
    folderClass: 'IPF.Contact',
  });
  box.addFolder({
    id: 'fld-projects',
    parentId: 'fld-inbox',
    displayName: 'Projects',
    folderClass: 'IPF.Note',
  });
  box.addFixture('fld-calendar', 'calendar-single-meeting.xml');
  box.addFixture('fld-calendar', 'calendar-weekly-master.xml');
  box.addFixture('fld-calendar', 'calendar-weekly-exception.xml', { listed: false });
  box.addFixture('fld-calendar', 'calendar-allday.xml');
  box.addFixture('fld-calendar', 'calendar-unknown-zone.xml');
  box.addFixture('fld-team', 'calendar-monthly-master.xml');
  box.addFixture('fld-contacts', 'contact-full.xml');
  box.addFixture('fld-contacts', 'distribution-list.xml');
  box.addFixture('fld-contacts', 'contact-template.xml', { corrupt: true, values: { n: 'X' } });
  for (let n = 1; n <= PAGED_CONTACTS; n++)
    box.addFixture('fld-suppliers', 'contact-template.xml', { values: { n: String(n).padStart(4, '0') } });
  box.addAttachment({
    id: 'att-agenda',
    name: 'agenda.txt',
    contentType: 'text/plain',
    content: Buffer.from('1. Budget\n2. Hiring\n'),
  });
  return box;
}
