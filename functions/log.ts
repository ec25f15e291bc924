import type { InvocationContext } from '@azure/functions';
import { createLogger, sinkTo, type Logger } from '../shared/log';

/**
 * A redacting logger for one invocation: lines go to the invocation's log (Application Insights on
 * Azure, the console locally) only after secrets, tokens and message bodies are removed.
 */
export function logFor(context: InvocationContext): Logger {
  return createLogger({ name: context.functionName, sink: sinkTo(context) });
}
