/**
 * The dry run's durable names and messages (shared/plan/plan-run.ts starts it,
 * orchestrators/plan-batch.ts and activities/plan-batch-page.ts run it). Kept apart from the
 * migration's names: a plan never touches a migration's state.
 */
export const PLAN_ORCHESTRATION = 'planBatch';
export const PLAN_PAGE_ACTIVITY = 'planBatchPage';

export interface PlanRunInput {
  batchId: string;
  planId: string;
  /** 1-based number of the page this call plans. */
  page: number;
  continuationToken?: string;
  bytesPerMinute?: number;
}

export interface PlanPageResult {
  continuationToken?: string;
}
