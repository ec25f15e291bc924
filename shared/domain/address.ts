/**
 * The longest e-mail address mailferry accepts anywhere (CSV rows, mailbox rows, route parameters):
 * RFC 5321 caps a path at 256 octets including its angle brackets, so an address longer than 254
 * cannot be delivered to (RFC 3696 erratum 1690).
 */
export const MAX_EMAIL_LENGTH = 254;
