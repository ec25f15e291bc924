import { ME, useRawStandin } from './client';

describe('contact folders and contacts', () => {
  const h = useRawStandin();

  it('creates a folder under the default Contacts folder and contacts in it', async () => {
    const folder = await h().call('POST', `${ME}/contactFolders`, { displayName: 'Suppliers' });
    expect(folder.status).toBe(201);
    const folders = await h().call('GET', `${ME}/contactFolders`);
    expect(folders.body.value).toEqual([
      expect.objectContaining({ id: folder.body.id, displayName: 'Suppliers' }),
    ]);
    const c = await h().call('POST', `${ME}/contactFolders/${folder.body.id}/contacts`, {
      givenName: 'Grace',
      surname: 'Hopper',
      emailAddresses: [{ address: 'grace@navy.mil', name: 'Grace Hopper' }],
      businessPhones: ['+1 555 0100'],
      birthday: '1906-12-09T00:00:00Z',
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ displayName: 'Grace Hopper', parentFolderId: folder.body.id });
    const listed = await h().call('GET', `${ME}/contactFolders/${folder.body.id}/contacts`);
    expect(listed.body.value.map((x: { id: string }) => x.id)).toEqual([c.body.id]);
    const inDefault = await h().call('GET', `${ME}/contacts`);
    expect(inDefault.body.value).toEqual([]);
    const patched = await h().call('PATCH', `${ME}/contacts/${c.body.id}`, { jobTitle: 'Rear Admiral' });
    expect(patched.body).toMatchObject({ jobTitle: 'Rear Admiral', givenName: 'Grace' });
    expect((await h().call('DELETE', `${ME}/contacts/${c.body.id}`)).status).toBe(204);
    expect((await h().call('GET', `${ME}/contacts/${c.body.id}`)).status).toBe(404);
  });

  it('refuses a fourth e-mail address and a third business phone, as Exchange does', async () => {
    const four = await h().call('POST', `${ME}/contacts`, {
      givenName: 'Many',
      emailAddresses: ['a', 'b', 'c', 'd'].map((x) => ({ address: `${x}@example.com` })),
    });
    expect(four.status).toBe(400);
    expect(four.body.error.message).toMatch(
      /EmailAddresses has 4 entries, that exceeds the max allowed value of 3/,
    );
    const phones = await h().call('POST', `${ME}/contacts`, {
      givenName: 'P',
      businessPhones: ['1', '2', '3'],
    });
    expect(phones.status).toBe(400);
    const three = await h().call('POST', `${ME}/contacts`, {
      givenName: 'Three',
      emailAddresses: ['a', 'b', 'c'].map((x) => ({ address: `${x}@example.com` })),
    });
    expect(three.status).toBe(201);
  });

  it('orders contacts by $orderby and pages them with @odata.nextLink', async () => {
    const folder = await h().call('POST', `${ME}/contactFolders`, { displayName: 'Ordered' });
    for (const name of ['Bea', 'Al', 'Cy']) {
      await h().call('POST', `${ME}/contactFolders/${folder.body.id}/contacts`, { givenName: name });
    }
    const first = await h().call(
      'GET',
      `${ME}/contactFolders/${folder.body.id}/contacts?$orderby=givenName desc&$top=2&$select=givenName`,
    );
    expect(first.body.value.map((c: { givenName: string }) => c.givenName)).toEqual(['Cy', 'Bea']);
    const next = await h().call('GET', String(first.body['@odata.nextLink']).slice(h().g.url.length));
    expect(next.body.value.map((c: { givenName: string }) => c.givenName)).toEqual(['Al']);
  });

  it('keeps a photo put on a contact and gives the same bytes back', async () => {
    const c = await h().call('POST', `${ME}/contacts`, { givenName: 'Pic' });
    const none = await h().call('GET', `${ME}/contacts/${c.body.id}/photo/$value`);
    expect(none.status).toBe(404);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);
    const put = await h().call('PUT', `${ME}/contacts/${c.body.id}/photo/$value`, jpeg, {
      'content-type': 'image/jpeg',
    });
    expect(put.status).toBe(200);
    const got = await h().call('GET', `${ME}/contacts/${c.body.id}/photo/$value`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.compare(got.body as Buffer, jpeg)).toBe(0);
    const text = await h().call('PUT', `${ME}/contacts/${c.body.id}/photo/$value`, Buffer.from('hi'), {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(400);
  });
});
