import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** The parts of host.json the embedded host honours; the same file configures Azure. */
const HostJsonSchema = z.object({
  version: z.literal('2.0'),
  extensions: z
    .object({
      http: z
        .object({ routePrefix: z.string().optional(), maxRequestBodySize: z.number().optional() })
        .partial()
        .optional(),
      durableTask: z
        .object({
          hubName: z
            .string()
            .regex(/^[A-Za-z][A-Za-z0-9]{2,44}$/, 'hubName: 3-45 letters and digits, starting with a letter'),
          maxConcurrentActivityFunctions: z.number().int().positive(),
          maxConcurrentOrchestratorFunctions: z.number().int().positive(),
        })
        .partial()
        .optional(),
    })
    .optional(),
});

export interface HostSettings {
  routePrefix: string;
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  maxRequestBytes: number;
}

export function readHostJson(appRoot: string): HostSettings {
  const file = path.join(appRoot, 'host.json');
  const parsed = HostJsonSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${file} is not valid: ${problems}`);
  }
  const ext = parsed.data.extensions ?? {};
  // Durable Functions' defaults are 10 per core for both pools.
  const perCore = 10 * os.cpus().length;
  return {
    routePrefix: ext.http?.routePrefix ?? 'api',
    hubName: ext.durableTask?.hubName ?? 'TestHubName',
    maxConcurrentActivityFunctions: ext.durableTask?.maxConcurrentActivityFunctions ?? perCore,
    maxConcurrentOrchestratorFunctions: ext.durableTask?.maxConcurrentOrchestratorFunctions ?? perCore,
    maxRequestBytes: ext.http?.maxRequestBodySize ?? 100 * 1024 * 1024,
  };
}
