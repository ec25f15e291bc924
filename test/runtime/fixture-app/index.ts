/**
 * A small function app for the runtime's own tests: it uses each trigger and each orchestration
 * feature the way an app on Azure would, and records what ran in `probe`.
 */
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { probe } from './probe';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const count = (key: string): void => void probe.calls.set(key, (probe.calls.get(key) ?? 0) + 1);

df.app.activity('fxWork', {
  handler: async (input: { id: string; ms?: number }) => {
    probe.active++;
    probe.maxActive = Math.max(probe.maxActive, probe.active);
    probe.startsAt.push(probe.active);
    count(input.id);
    await sleep(input.ms ?? 0);
    probe.active--;
    return { id: input.id, done: true };
  },
});

df.app.activity('fxFlaky', {
  handler: async (key: string) => {
    count(`flaky:${key}`);
    if (probe.flakyFailuresLeft > 0) {
      probe.flakyFailuresLeft--;
      throw new Error(`transient failure for ${key}`);
    }
    return `ok:${key}`;
  },
});

df.app.orchestration('fxChild', function* (context: OrchestrationContext) {
  const input = context.df.getInput() as { id: string; ms?: number };
  return yield context.df.callActivity('fxWork', input);
});

/** Sliding window: at most `window` children run; each completion lets the next one start. */
df.app.orchestration('fxFanOut', function* (context: OrchestrationContext) {
  const {
    count: total,
    window,
    ms,
  } = context.df.getInput() as { count: number; window: number; ms?: number };
  const running: Task[] = [];
  let next = 0;
  let finished = 0;
  while (finished < total) {
    while (running.length < window && next < total) {
      running.push(
        context.df.callSubOrchestrator(
          'fxChild',
          { id: `m${next}`, ms },
          `${context.df.instanceId}:m${next}`,
        ),
      );
      next++;
    }
    const done: Task = yield context.df.Task.any(running);
    running.splice(running.indexOf(done), 1);
    finished++;
  }
  return finished;
});

df.app.orchestration('fxRetry', function* (context: OrchestrationContext) {
  return yield context.df.callActivityWithRetry('fxFlaky', new df.RetryOptions(10, 3), 'k');
});

df.app.orchestration('fxApproval', function* (context: OrchestrationContext) {
  context.df.setCustomStatus('waiting');
  const answer: unknown = yield context.df.waitForExternalEvent('approve');
  return { answer };
});

df.app.orchestration('fxTimer', function* (context: OrchestrationContext) {
  const start = context.df.currentUtcDateTime;
  yield context.df.createTimer(new Date(start.getTime() + 60_000));
  return context.df.currentUtcDateTime.getTime() - start.getTime();
});

df.app.orchestration('fxCounter', function* (context: OrchestrationContext) {
  const n = context.df.getInput() as number;
  if (n < 3) {
    yield context.df.callActivity('fxWork', { id: `count${n}` });
    context.df.continueAsNew(n + 1);
    return undefined;
  }
  return n;
});

/** Deliberately nondeterministic: what it calls depends on module state a test flips mid-run. */
df.app.orchestration('fxFlip', function* (context: OrchestrationContext) {
  if (probe.flip) return yield context.df.callActivity('fxFlaky', 'flipped');
  return yield context.df.callActivity('fxWork', { id: 'flip', ms: 300 });
});

df.app.orchestration('fxThrows', function* (context: OrchestrationContext) {
  yield context.df.callActivity('fxWork', { id: 'before-throw' });
  throw new Error('orchestrator gave up');
});

df.app.orchestration('fxActivityFails', function* (context: OrchestrationContext) {
  try {
    yield context.df.callActivity('fxFlaky', 'once');
    return 'no error';
  } catch (e) {
    return `caught: ${(e as Error).message}`;
  }
});

df.app.client.http('fxStart', {
  route: 'fx/{name}',
  methods: ['POST'],
  handler: async (request, client) => {
    const body = await request.text();
    const id = await client.startNew(request.params.name as string, {
      input: body ? JSON.parse(body) : undefined,
    });
    return client.createCheckStatusResponse(request, id);
  },
});

df.app.client.http('fxStatus', {
  route: 'fx/status/{id}',
  methods: ['GET'],
  handler: async (request, client) => {
    const status = await client.getStatus(request.params.id as string);
    return { jsonBody: { runtimeStatus: status.runtimeStatus, output: status.output } };
  },
});

df.app.client.http('fxRaise', {
  route: 'fx/raise/{id}/{event}',
  methods: ['POST'],
  handler: async (request, client) => {
    await client.raiseEvent(
      request.params.id as string,
      request.params.event as string,
      await request.json(),
    );
    return { status: 202 };
  },
});

app.http('fxHealth', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({ jsonBody: { status: 'ok' } }),
});

app.storageBlob('fxBlob', {
  path: 'fx-drop/{name}.txt',
  connection: 'AzureWebJobsStorage',
  handler: async (blob, context) => {
    probe.blobs.push({
      name: String(context.triggerMetadata?.name),
      text: (blob as Buffer).toString('utf8'),
    });
  },
});

app.timer('fxTick', {
  schedule: '0 */5 * * * *',
  handler: async (timer) => {
    probe.ticks.push(timer.scheduleStatus?.lastUpdated ?? '');
  },
});

/** `steps` activities one after the other; step `slowStep` (if any) takes `slowMs`. */
df.app.orchestration('fxSteps', function* (context: OrchestrationContext) {
  const { id, steps, slowStep, slowMs } = context.df.getInput() as {
    id: string;
    steps: number;
    slowStep?: number;
    slowMs?: number;
  };
  let done = 0;
  for (let i = 0; i < steps; i++) {
    const ms = i === slowStep ? slowMs : 0;
    const result = (yield context.df.callActivity('fxWork', { id: `${id}:${i}`, ms })) as { done: boolean };
    if (result.done) done++;
  }
  return done;
});
