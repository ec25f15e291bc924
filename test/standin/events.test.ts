import { ME, useRawStandin } from './client';

const KEY = 'String {5b0c5d1e-8a7f-4a43-9f3e-6d2b8a1c4e70} Name mailferryItemKey';

const meeting = (extra: Record<string, unknown> = {}) => ({
  subject: 'Budget review',
  body: { contentType: 'html', content: '<p>Agenda</p>' },
  start: { dateTime: '2026-03-02T09:00:00', timeZone: 'W. Europe Standard Time' },
  end: { dateTime: '2026-03-02T10:00:00', timeZone: 'W. Europe Standard Time' },
  ...extra,
});

describe('calendars and events', () => {
  const h = useRawStandin();

  it('lists the default calendar and creates another one by name, refusing a duplicate name', async () => {
    const list = await h().call('GET', `${ME}/calendars`);
    expect(list.status).toBe(200);
    expect(list.body.value).toEqual([expect.objectContaining({ name: 'Calendar', isDefaultCalendar: true })]);
    const created = await h().call('POST', `${ME}/calendars`, { name: 'Holidays' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Holidays', isDefaultCalendar: false });
    const again = await h().call('POST', `${ME}/calendars`, { name: 'holidays' });
    expect(again.status).toBe(409);
    const event = await h().call('POST', `${ME}/calendars/${created.body.id}/events`, meeting());
    expect(event.status).toBe(201);
    const inHolidays = await h().call('GET', `${ME}/calendars/${created.body.id}/events`);
    expect(inHolidays.body.value.map((e: { id: string }) => e.id)).toEqual([event.body.id]);
    const inDefault = await h().call('GET', `${ME}/calendar/events`);
    expect(inDefault.body.value.map((e: { id: string }) => e.id)).not.toContain(event.body.id);
  });

  it('answers a second POST with the same transactionId with the event the first one created', async () => {
    const first = await h().call('POST', `${ME}/calendar/events`, meeting({ transactionId: 'txn-1' }));
    const second = await h().call('POST', `${ME}/calendar/events`, meeting({ transactionId: 'txn-1' }));
    expect(first.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(first.body.transactionId).toBe('txn-1');
    const all = await h().call('GET', `${ME}/calendar/events?$top=100`);
    expect(
      all.body.value.filter((e: { transactionId?: string }) => e.transactionId === 'txn-1'),
    ).toHaveLength(1);
  });

  it('returns times in UTC unless Prefer: outlook.timezone names a zone, and keeps the original zone', async () => {
    const e = await h().call('POST', `${ME}/events`, meeting());
    expect(e.body.start).toEqual({ dateTime: '2026-03-02T08:00:00.0000000', timeZone: 'UTC' });
    expect(e.body.originalStartTimeZone).toBe('W. Europe Standard Time');
    const pst = await h().call('GET', `${ME}/events/${e.body.id}`, undefined, {
      prefer: 'outlook.timezone="Pacific Standard Time"',
    });
    expect(pst.body.start).toEqual({
      dateTime: '2026-03-02T00:00:00.0000000',
      timeZone: 'Pacific Standard Time',
    });
  });

  it('finds an event by its extended property and expands only the property asked for', async () => {
    const e = await h().call(
      'POST',
      `${ME}/events`,
      meeting({ singleValueExtendedProperties: [{ id: KEY, value: 'caldav:abc' }] }),
    );
    const filter = encodeURIComponent(
      `singleValueExtendedProperties/Any(ep: ep/id eq '${KEY}' and ep/value eq 'caldav:abc')`,
    );
    const found = await h().call('GET', `${ME}/events?$filter=${filter}&$select=id`);
    expect(found.body.value.map((x: { id: string }) => x.id)).toEqual([e.body.id]);
    const expanded = await h().call(
      'GET',
      `${ME}/events/${e.body.id}?$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${KEY}')`)}`,
    );
    expect(expanded.body.singleValueExtendedProperties).toEqual([{ id: KEY, value: 'caldav:abc' }]);
    const plain = await h().call('GET', `${ME}/events/${e.body.id}`);
    expect(plain.body.singleValueExtendedProperties).toBeUndefined();
  });

  it('updates and deletes an event; an unknown id is 404, a malformed one 400', async () => {
    const e = await h().call('POST', `${ME}/events`, meeting());
    const patched = await h().call('PATCH', `${ME}/events/${e.body.id}`, {
      subject: 'Moved',
      showAs: 'free',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ subject: 'Moved', showAs: 'free' });
    expect((await h().call('DELETE', `${ME}/events/${e.body.id}`)).status).toBe(204);
    const gone = await h().call('GET', `${ME}/events/${e.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('ErrorItemNotFound');
    const malformed = await h().call('GET', `${ME}/events/not-an-id`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('ErrorInvalidIdMalformed');
  });

  it('takes attachments on an event by POST (under 3 MB) and by upload session', async () => {
    const e = await h().call('POST', `${ME}/events`, meeting());
    const small = await h().call('POST', `${ME}/events/${e.body.id}/attachments`, {
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: 'agenda.txt',
      contentType: 'text/plain',
      contentBytes: Buffer.from('agenda').toString('base64'),
    });
    expect(small.status).toBe(201);
    const big = Buffer.alloc(5 * 1024 * 1024, 7);
    const session = await h().call('POST', `${ME}/events/${e.body.id}/attachments/createUploadSession`, {
      AttachmentItem: { attachmentType: 'file', name: 'slides.pdf', size: big.length },
    });
    expect(session.status).toBe(201);
    const half = big.length / 2;
    for (const [start, end] of [
      [0, half - 1],
      [half, big.length - 1],
    ] as const) {
      const put = await fetch(session.body.uploadUrl as string, {
        method: 'PUT',
        headers: { 'content-range': `bytes ${start}-${end}/${big.length}` },
        body: big.subarray(start, end + 1),
      });
      expect(put.status).toBe(end === big.length - 1 ? 201 : 200);
    }
    const list = await h().call('GET', `${ME}/events/${e.body.id}/attachments`);
    expect(list.body.value.map((a: { name: string; size: number }) => [a.name, a.size])).toEqual([
      ['agenda.txt', 6],
      ['slides.pdf', big.length],
    ]);
    expect((await h().call('GET', `${ME}/events/${e.body.id}`)).body.hasAttachments).toBe(true);
  });

  it('refuses a request body over 4 MB, as Graph does', async () => {
    const big = await h().call(
      'POST',
      `${ME}/events`,
      meeting({ body: { contentType: 'text', content: 'x'.repeat(4 * 1024 * 1024) } }),
    );
    expect(big.status).toBe(413);
  });

  it('refuses a time zone Graph does not know', async () => {
    const r = await h().call(
      'POST',
      `${ME}/events`,
      meeting({ start: { dateTime: '2026-03-02T09:00:00', timeZone: 'Mars/Olympus' } }),
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('TimeZoneNotSupportedException');
  });
});

describe('invitations: what Graph sends to attendees', () => {
  const h = useRawStandin();

  it('records a meeting request to each attendee and shows it, with sendMail, at the sent-mail route', async () => {
    const noAttendees = await h().call('POST', `${ME}/events`, meeting({ attendees: [] }));
    expect(noAttendees.status).toBe(201);
    let log = (await (await fetch(h().g.sentMailUrl)).json()) as unknown[];
    expect(log).toEqual([]);

    const invited = await h().call(
      'POST',
      `${ME}/events`,
      meeting({
        attendees: [
          { emailAddress: { address: 'bob@fabrikam.com', name: 'Bob' }, type: 'required' },
          { emailAddress: { address: 'cy@fabrikam.com' }, type: 'optional' },
        ],
      }),
    );
    await h().call('PATCH', `${ME}/events/${invited.body.id}`, { location: { displayName: 'Room 2' } });
    await h().call('POST', `${ME}/sendMail`, {
      message: { subject: 'Hello', toRecipients: [{ emailAddress: { address: 'dee@fabrikam.com' } }] },
    });
    log = (await (await fetch(h().g.sentMailUrl)).json()) as unknown[];
    expect(log).toEqual([
      expect.objectContaining({
        kind: 'invitation',
        meetingMessage: 'request',
        recipients: ['bob@fabrikam.com', 'cy@fabrikam.com'],
        subject: 'Budget review',
        from: 'ada@contoso.com',
        eventId: invited.body.id,
      }),
      expect.objectContaining({ kind: 'invitation', meetingMessage: 'update' }),
      expect.objectContaining({ kind: 'sendMail', recipients: ['dee@fabrikam.com'], subject: 'Hello' }),
    ]);
    for (const entry of log as Array<{ time: string }>) expect(Date.parse(entry.time)).not.toBeNaN();

    await h().call('DELETE', `${ME}/events/${invited.body.id}`);
    log = (await (await fetch(h().g.sentMailUrl)).json()) as unknown[];
    expect(log.at(-1)).toMatchObject({
      kind: 'invitation',
      meetingMessage: 'cancellation',
      subject: 'Canceled: Budget review',
      recipients: ['bob@fabrikam.com', 'cy@fabrikam.com'],
    });
    expect(h().g.state.invitations).toHaveLength(3);
  });
});
