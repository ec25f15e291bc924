import type { OrchestrationContext, Task } from 'durable-functions';

/**
 * Runs `start(item)` for every item with at most `window` running at once: each completion starts
 * the next item at once (a sliding window, never fixed waves). When `stop` completes, no new item
 * starts and the running ones are drained. Results come back by item index (undefined for items
 * not started); a failed task's result is its error.
 */
export interface WindowOutcome {
  results: unknown[];
  stopped: boolean;
}

export function* slidingWindow<T>(
  context: OrchestrationContext,
  items: readonly T[],
  window: number,
  stop: Task,
  start: (item: T, index: number) => Task,
): Generator<Task, WindowOutcome, unknown> {
  const results: unknown[] = new Array(items.length);
  const running = new Map<Task, number>();
  let next = 0;
  let stopped = stop.isCompleted;
  while (running.size || (!stopped && next < items.length)) {
    while (!stopped && running.size < window && next < items.length) {
      running.set(start(items[next] as T, next), next);
      next++;
    }
    if (!running.size) break;
    context.df.setCustomStatus({ started: next, running: running.size, total: items.length });
    const finished = (yield context.df.Task.any(
      stopped ? [...running.keys()] : [...running.keys(), stop],
    )) as Task;
    if (finished === stop) {
      stopped = true;
      continue;
    }
    results[running.get(finished) as number] = finished.result;
    running.delete(finished);
  }
  return { results, stopped };
}
