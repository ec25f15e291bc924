import { FunctionRegistry, type FunctionMetadata, type RawHandler } from './registry';

/**
 * The `@azure/functions-core` module as the embedded host provides it: one registry per process
 * (per module registry under jest, which maps the module name to this file).
 */
type HookCallback = (context: unknown) => unknown;

export interface FunctionsCore {
  registry: FunctionRegistry;
  hooks: Map<string, HookCallback[]>;
  programmingModel: unknown;
}

export const functionsCore: FunctionsCore = {
  registry: new FunctionRegistry(),
  hooks: new Map(),
  programmingModel: undefined,
};

/** The surface `@azure/functions` 4.x calls (docs/architecture.md, "The embedded runtime"). */
export const coreModuleExports: Record<string, unknown> = {
  version: '3.10.1',
  hostVersion: '4.1000.0',
  registerFunction(metadata: FunctionMetadata, callback: RawHandler) {
    functionsCore.registry.register(metadata, callback);
    return { dispose: () => functionsCore.registry.unregister(metadata.name) };
  },
  setProgrammingModel(model: unknown) {
    functionsCore.programmingModel = model;
  },
  getProgrammingModel() {
    return functionsCore.programmingModel;
  },
  registerHook(hookName: string, callback: HookCallback) {
    const list = functionsCore.hooks.get(hookName) ?? [];
    list.push(callback);
    functionsCore.hooks.set(hookName, list);
    return {
      dispose: () =>
        functionsCore.hooks.set(
          hookName,
          (functionsCore.hooks.get(hookName) ?? []).filter((c) => c !== callback),
        ),
    };
  },
  log(level: string, category: string, message: string) {
    if (level === 'error' || level === 'warning') console.error(`[${category}] ${message}`);
  },
  Disposable: class {
    constructor(private readonly callOnDispose: () => void) {}
    dispose(): void {
      this.callOnDispose();
    }
  },
};
