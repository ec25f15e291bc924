import type { BatchRequest, BatchResult, GraphClient } from '../../graph';
import type { PimCollection } from '../model';
import type { Planned } from './plan';

/** What the writer's later rounds (instance edits, attachments, photos) need of the writer. */
export interface WriterRounds {
  client: GraphClient;
  /** `/users/<id>` */
  user: string;
  itemPath(collection: PimCollection, id: string): string;
  /** One `$batch` round; `onResult` sees each answer with its plan. */
  runRound(
    list: Array<{ plan: Planned; req: BatchRequest; index?: number }>,
    onResult: (plan: Planned, result: BatchResult, index?: number) => void,
  ): Promise<void>;
}
