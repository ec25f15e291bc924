/** The logger and its redaction layer; see logger.ts. */
export {
  createLogger,
  sinkTo,
  type Logger,
  type LineSink,
  type LoggerOptions,
  type LogTarget,
} from './logger';
export {
  registerSecret,
  forgetSecrets,
  knownSecretCount,
  REDACTED,
  MIN_SECRET_LENGTH,
} from './known-secrets';
export { scrubLine, redactValue, isSensitiveKey } from './redact';
