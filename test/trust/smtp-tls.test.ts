import { smtpTlsPolicy } from '../../shared/report/smtp';

/** Report mail (and the relay login) never crosses a network in clear text; a relay on this machine may be plain. */
test('a relay elsewhere must give TLS: from the first byte, or STARTTLS that has to succeed', () => {
  expect(smtpTlsPolicy({ host: 'smtp.contoso.com', secure: false, requireTls: false })).toEqual({
    secure: false,
    requireTLS: true,
  });
  expect(smtpTlsPolicy({ host: '10.0.0.25', secure: false, requireTls: false }).requireTLS).toBe(true);
  expect(smtpTlsPolicy({ host: 'smtp.contoso.com', secure: true, requireTls: false })).toEqual({
    secure: true,
    requireTLS: false,
  });
});

test('a relay on this machine may be plain unless TLS is asked for', () => {
  for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]'])
    expect(smtpTlsPolicy({ host, secure: false, requireTls: false }).requireTLS).toBe(false);
  expect(smtpTlsPolicy({ host: '127.0.0.1', secure: false, requireTls: true }).requireTLS).toBe(true);
});
