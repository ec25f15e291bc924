import { bySpecificity, compileRoute } from '../../local/routes';

/** Route templates as the Functions host reads them, and which route wins when several match. */
test.each([
  ['api/batches/{id}', '/api/batches/abc', { id: 'abc' }],
  ['api/batches/{id}', '/api/batches', undefined],
  ['api/batches/{id?}', '/api/batches', {}],
  ['api/items/{n:int}', '/api/items/42', { n: '42' }],
  ['api/items/{n:int}', '/api/items/x', undefined],
  ['api/{action:regex(^(start|stop)$)}', '/api/stop', { action: 'stop' }],
  ['api/{action:regex(^(start|stop)$)}', '/api/go', undefined],
  ['{*path}', '/', { path: '' }],
  ['{*path}', '/a/b.css', { path: 'a/b.css' }],
  ['api/mailboxes/{email}', '/api/mailboxes/a%40x.com', { email: 'a@x.com' }],
])('%s on %s', (template, path, expected) => {
  expect(compileRoute(template).match(path)).toEqual(expected);
});

test('literal segments beat parameters, which beat a catch-all', () => {
  const routes = [
    '{*path}',
    'api/batches/{id}',
    'api/batches/{id}/{action:alpha}',
    'api/batches/{id}/mailboxes',
    'api/health',
  ].map(compileRoute);
  const order = [...routes].sort(bySpecificity).map((r) => r.template);
  expect(order.indexOf('api/batches/{id}/mailboxes')).toBeLessThan(
    order.indexOf('api/batches/{id}/{action:alpha}'),
  );
  expect(order[order.length - 1]).toBe('{*path}');
});
