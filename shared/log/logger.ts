import pino, { type DestinationStream, type Level, type LevelWithSilent, type Logger } from 'pino';
import { REDACTED } from './known-secrets';
import { REDACT_KEY_PATHS, redactValue, scrubLine } from './redact';

export type { Logger } from 'pino';

/** Receives each finished, redacted log line (JSON, newline-terminated). */
export type LineSink = (line: string, level: Level) => void;

export interface LoggerOptions {
  /** Shown as `name` on every line (the function or component). */
  name?: string;
  /** Lowest level written; default 'info' (settings.logLevel in the app). */
  level?: LevelWithSilent;
  /**
   * Where lines go: a function (the Functions `InvocationContext.log`, a test's collector) or any pino
   * destination. Default: standard output, which the Functions host forwards to Application Insights.
   */
  sink?: LineSink | DestinationStream;
  /** Fields on every line (e.g. `{ batchId }`); redacted like everything else. */
  bindings?: Record<string, unknown>;
}

/**
 * Anything with the console-like methods of the Functions `InvocationContext` (structurally typed, so
 * shared/ needs no Azure Functions types). Lines sent there reach Application Insights correlated
 * with the invocation.
 */
export interface LogTarget {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug?(message: string): void;
  trace?(message: string): void;
}

/** A sink that writes each redacted line to `target` at the matching level. */
export function sinkTo(target: LogTarget): LineSink {
  return (line, level) => {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (level === 'fatal' || level === 'error') target.error(text);
    else if (level === 'warn') target.warn(text);
    else if (level === 'debug') (target.debug ?? target.info).call(target, text);
    else if (level === 'trace') (target.trace ?? target.info).call(target, text);
    else target.info(text);
  };
}

function sinkStream(sink: LineSink): DestinationStream {
  return {
    write(line: string) {
      // pino writes `"level":"info"` with our level formatter; read it back to route the line.
      const level = /"level":"(\w+)"/.exec(line)?.[1] as Level | undefined;
      sink(line, level ?? 'info');
    },
  };
}

/**
 * The app's logger: pino with redaction that cannot be bypassed by the caller. Every object logged is
 * walked for sensitive fields at any depth (see redact.ts), pino's own `redact` paths blank the common
 * names as a second guard, and each finished line is scrubbed for credential patterns and for every
 * value registered with `registerSecret`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { sink } = options;
  const destination = typeof sink === 'function' ? sinkStream(sink) : sink;
  const logger = pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: REDACT_KEY_PATHS.flatMap((k) => [k, `*.${k}`]),
        censor: REDACTED,
      },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactValue(bindings) as Record<string, unknown>,
        log: (object) => redactValue(object) as Record<string, unknown>,
      },
      // Errors are already turned into plain, redacted objects (with their causes) by redactValue;
      // pino's default err serializer would flatten the causes into the message.
      serializers: { err: (e: unknown) => e },
      hooks: { streamWrite: scrubLine },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return options.bindings ? logger.child(options.bindings) : logger;
}
