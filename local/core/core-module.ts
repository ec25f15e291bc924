/** `@azure/functions-core` for jest's module registry (jest.config.js moduleNameMapper). */
import { coreModuleExports } from './core-api';

export = coreModuleExports;
