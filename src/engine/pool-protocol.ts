import type { MessagePort } from 'node:worker_threads';
import type { ErrorCode } from '../shared/errors.js';

/**
 * The envelope every kind of worker on the pool (worker-pool.ts) shares. A task carries its worker's id and its
 * end of a MessagePort of its own; what a worker posts there names its type and its worker, what the main thread
 * posts names its type. Each kind adds its own messages on it: produce's and http-produce's in worker-protocol.ts,
 * consume's in src/consume/consume-protocol.ts.
 */
export interface PoolTask {
  workerId: number;
  port: MessagePort;
}

/** A message from a worker. */
export interface WorkerMessage {
  type: string;
  workerId: number;
}

/** A message to a worker. */
export interface MainMessage {
  type: string;
}

/** The one message every kind may post: its worker cannot go on. The pool keeps the first (the run stops on it). */
export interface FatalMessage extends WorkerMessage {
  type: 'fatal';
  code: ErrorCode;
  message: string;
}
