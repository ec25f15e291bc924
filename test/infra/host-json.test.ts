import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The host.json keys mailferry relies on, as a schema (docs/host-json.md says why each has its
 * value). A change that drops one, or turns on something unsafe for a Node app, fails here and not
 * in a deployment.
 */
const timeSpan = z.string().regex(/^\d{2}:\d{2}:\d{2}$/, 'a hh:mm:ss time span');

const hostJsonSchema = z.object({
  version: z.literal('2.0'),
  functionTimeout: timeSpan.refine((v) => {
    const [h, m, s] = v.split(':').map(Number) as [number, number, number];
    const seconds = h * 3600 + m * 60 + s;
    // Long enough for one bounded activity, short enough to cut a hung connection.
    return seconds >= 5 * 60 && seconds <= 30 * 60;
  }, 'between 5 and 30 minutes'),
  logging: z.object({
    logLevel: z.object({ default: z.string(), 'Host.Triggers.DurableTask': z.string() }),
  }),
  extensions: z.object({
    durableTask: z.object({
      hubName: z.string().regex(/^[A-Za-z][A-Za-z0-9]{2,44}$/),
      maxConcurrentActivityFunctions: z.number().int().min(1).max(200),
      maxConcurrentOrchestratorFunctions: z.number().int().min(1).max(200),
      // Supported only for .NET; on Node it can silently stop functions from running.
      extendedSessionsEnabled: z.literal(false).optional(),
      // Inputs and outputs would carry mailbox data into Application Insights.
      tracing: z.object({ traceInputsAndOutputs: z.literal(false) }),
      storageProvider: z.object({
        connectionName: z.literal('AzureWebJobsStorage'),
        partitionCount: z.number().int().min(1).max(16),
      }),
    }),
  }),
  extensionBundle: z.object({
    id: z.literal('Microsoft.Azure.Functions.ExtensionBundle'),
    // Flex Consumption needs bundle 4.x or later for non-.NET apps.
    version: z.string().regex(/^\[4\.\*, 5\.0\.0\)$/),
  }),
});

const hostJson: unknown = JSON.parse(readFileSync(join(__dirname, '..', '..', 'host.json'), 'utf8'));

test('host.json has every key the app relies on, with safe values', () => {
  const result = hostJsonSchema.safeParse(hostJson);
  if (!result.success) throw new Error(z.prettifyError(result.error));
});

test('the schema refuses the unsafe variants it exists to catch', () => {
  type Loose = Record<string, unknown>;
  const bad = (patch: (h: Loose) => void): boolean => {
    const copy = structuredClone(hostJson) as Loose;
    patch(copy);
    return hostJsonSchema.safeParse(copy).success;
  };
  const set = (h: Loose, path: string[], value: unknown): void => {
    let node = h;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    const last = path[path.length - 1] as string;
    if (value === undefined) delete node[last];
    else node[last] = value;
  };
  const dt = ['extensions', 'durableTask'];
  expect(bad((h) => set(h, [...dt, 'extendedSessionsEnabled'], true))).toBe(false);
  expect(bad((h) => set(h, [...dt, 'tracing', 'traceInputsAndOutputs'], true))).toBe(false);
  expect(bad((h) => set(h, [...dt, 'hubName'], undefined))).toBe(false);
  expect(bad((h) => set(h, ['functionTimeout'], '02:00:00'))).toBe(false);
  expect(bad((h) => set(h, ['version'], '1.0'))).toBe(false);
  expect(bad(() => undefined)).toBe(true);
});
