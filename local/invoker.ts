import { randomUUID } from 'node:crypto';
import { InvocationContext, type FunctionInput, type InvocationContextInit } from '@azure/functions';
import type { BindingMetadata, RegisteredFunction } from './core/registry';

/**
 * Calls a registered raw handler as the Node.js worker would: the trigger payload first, then an
 * `InvocationContext` whose options mirror the function's bindings and whose extra inputs carry
 * what the host binds (the durable client's connection data).
 */
export type LogSink = (level: string, functionName: string, message: string) => void;

export interface InvokeOptions {
  /** Values for extra input bindings, by binding type (e.g. `durableClient`). */
  extraInputsByType?: Record<string, unknown>;
  triggerMetadata?: Record<string, unknown>;
}

export class Invoker {
  /**
   * Inputs bound for every invocation that names none of its own: the durable client, which on
   * Azure any function (an activity too) may declare as an input binding.
   */
  defaultInputsByType: () => Record<string, unknown> = () => ({});

  constructor(private readonly log: LogSink = defaultLogSink) {}

  async invoke(
    fn: RegisteredFunction,
    triggerPayload: unknown,
    options: InvokeOptions = {},
  ): Promise<unknown> {
    const context = this.context(fn, options);
    const extraInputs = context.options.extraInputs;
    for (const input of extraInputs) {
      const value = (options.extraInputsByType ?? this.defaultInputsByType())[input.type];
      if (value !== undefined) context.extraInputs.set(input, value);
    }
    return await fn.handler(triggerPayload, context);
  }

  private context(fn: RegisteredFunction, options: InvokeOptions): InvocationContext {
    const bindings = Object.entries(fn.metadata.bindings).map(([name, b]) => ({ ...b, name }));
    const asInput = (b: BindingMetadata & { name: string }): FunctionInput => ({
      ...b,
      name: b.name,
      type: b.type,
    });
    const init: InvocationContextInit = {
      invocationId: randomUUID(),
      functionName: fn.name,
      triggerMetadata: options.triggerMetadata,
      logHandler: (level, ...args) => this.log(level, fn.name, args.map(formatArg).join(' ')),
      options: {
        trigger: { ...fn.trigger, type: fn.trigger.type, name: fn.trigger.name },
        extraInputs: bindings.filter((b) => b.direction === 'in' && b.name !== fn.trigger.name).map(asInput),
        extraOutputs: bindings.filter((b) => b.direction === 'out' && b.name !== '$return').map(asInput),
      },
    };
    return new InvocationContext(init);
  }
}

function formatArg(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return `${a.name}: ${a.message}`;
  try {
    return JSON.stringify(a);
  } catch {
    return String(a);
  }
}

const LEVELS = ['trace', 'debug', 'information', 'warning', 'error', 'critical'];

function defaultLogSink(level: string, functionName: string, message: string): void {
  const threshold = LEVELS.indexOf(process.env.MAILFERRY_HOST_LOG_LEVEL ?? 'warning');
  if (LEVELS.indexOf(level) < threshold) return;
  const line = `[${new Date().toISOString()}] ${level} ${functionName}: ${message}`;
  if (level === 'error' || level === 'warning' || level === 'critical') console.error(line);
  else console.log(line);
}
