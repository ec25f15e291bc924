import Module from 'node:module';
import { coreModuleExports, functionsCore, type FunctionsCore } from './core-api';

export type { FunctionsCore };

/**
 * `@azure/functions` registers functions only through the module `@azure/functions-core`, which the
 * real Node.js worker injects by intercepting `require`. Outside the worker the module is missing and
 * the library drops every registration ("test mode"). This file provides that module in-process so
 * the app's registrations land in a {@link FunctionRegistry}. It must be installed before the app
 * (and so `@azure/functions`) is first required.
 */
const CORE_MODULE = '@azure/functions-core';
let hookInstalled = false;

/**
 * Installs the core module once per process and returns it. Installing twice returns the same
 * registry: `@azure/functions` caches its core module reference for the process's lifetime.
 */
export function installFunctionsCore(): FunctionsCore {
  if (hookInstalled) return functionsCore;
  const mod = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    _load: (request: string, ...rest: unknown[]) => unknown;
  };
  const originalResolve = mod._resolveFilename;
  const originalLoad = mod._load;
  mod._resolveFilename = function (request: string, ...rest: unknown[]) {
    if (request === CORE_MODULE) return CORE_MODULE;
    return originalResolve.call(this, request, ...rest);
  };
  mod._load = function (request: string, ...rest: unknown[]) {
    if (request === CORE_MODULE) return coreModuleExports;
    return originalLoad.call(this, request, ...rest);
  };
  hookInstalled = true;
  return functionsCore;
}
