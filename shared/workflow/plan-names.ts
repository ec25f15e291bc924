/**
 * The dry run's messages (shared/plan/plan-run.ts starts it, orchestrators/plan-batch.ts and
 * activities/plan-batch-page.ts run it; their names are in names.ts, their contracts in
 * contracts.ts). A plan never touches a migration's state.
 */

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
