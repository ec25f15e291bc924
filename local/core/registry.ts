/**
 * What the app registered: every function's metadata (as `@azure/functions` hands it to the host)
 * and its raw handler. The embedded host looks functions up here by name or by trigger type.
 */
export interface BindingMetadata {
  type: string;
  direction: 'in' | 'out' | 'inout';
  name?: string;
  [setting: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
  retryOptions?: unknown;
}

export type RawHandler = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  name: string;
  metadata: FunctionMetadata;
  handler: RawHandler;
  /** The trigger binding (there is exactly one per function). */
  trigger: BindingMetadata & { name: string };
}

export class FunctionRegistry {
  private readonly functions = new Map<string, RegisteredFunction>();

  register(metadata: FunctionMetadata, handler: RawHandler): RegisteredFunction {
    const key = metadata.name.toLowerCase();
    if (this.functions.has(key)) {
      throw new Error(
        `A function named "${metadata.name}" is already registered; function names must be unique.`,
      );
    }
    const triggerEntry = Object.entries(metadata.bindings).find(
      ([, b]) => b.direction === 'in' && b.type.toLowerCase().endsWith('trigger'),
    );
    if (!triggerEntry) throw new Error(`Function "${metadata.name}" has no trigger binding.`);
    const fn: RegisteredFunction = {
      name: metadata.name,
      metadata,
      handler,
      trigger: { ...triggerEntry[1], name: triggerEntry[0] },
    };
    this.functions.set(key, fn);
    return fn;
  }

  unregister(name: string): void {
    this.functions.delete(name.toLowerCase());
  }

  get(name: string): RegisteredFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  byTrigger(triggerType: string): RegisteredFunction[] {
    const t = triggerType.toLowerCase();
    return [...this.functions.values()].filter((f) => f.trigger.type.toLowerCase() === t);
  }

  all(): RegisteredFunction[] {
    return [...this.functions.values()];
  }
}
