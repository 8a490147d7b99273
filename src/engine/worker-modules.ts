import { join } from 'node:path';
import { projectRoot } from '../shared/paths.js';

/** The modules that run in a worker thread (workers/), each a pool's: produce's, http-produce's, consume's and the share consumers'. */
export type WorkerModule = 'produce' | 'http-produce' | 'consume' | 'share-consume';

/** The absolute path of a worker module as built (dist/workers/): the one place a pool finds what its threads run. */
export function workerModule(worker: WorkerModule): string {
  return join(projectRoot(), 'dist', 'workers', `${worker}-worker.js`);
}
