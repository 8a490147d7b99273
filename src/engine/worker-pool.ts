import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { Piscina } from 'piscina';
import { DataStormError, type ErrorCode } from '../shared/errors.js';
import type { FatalMessage, MainMessage, WorkerMessage } from './pool-protocol.js';

export interface WorkerPoolOptions<ToMain extends WorkerMessage> {
  /** One long-lived task per worker: it runs the worker's whole part of the run. */
  workers: number;
  /** The threads they share, several tasks to a thread when fewer than the workers. */
  threads: number;
  /** Runs every task on this thread instead: no worker thread is started. */
  inProcess: boolean;
  /** The worker's module file (src/engine/worker-modules.ts names the product's); its default export runs one task and resolves to its outcome. */
  workerFile: string;
  /** Each thread's V8 young generation, MB; V8's default when not given. */
  youngGenerationMb?: number;
  /** Worker workerId's task, without its port (the pool adds it). */
  taskOf: (workerId: number) => object;
  /** Every message but a fatal, as it arrives. */
  onMessage: (message: ToMain) => void;
  /** Each fatal, as it arrives (the first is kept in `fatal`). */
  onFatal?: (fatal: FatalMessage) => void;
}

const isFatal = (message: WorkerMessage): message is FatalMessage => message.type === 'fatal';

/**
 * The workers of one run on piscina's threads: one long-lived task per worker, a MessagePort each, the messages of
 * the envelope (pool-protocol.ts) dispatched as they arrive. A task's result is its outcome; a task that returns has
 * closed its port after its last message.
 */
export class WorkerPool<ToWorker extends MainMessage, ToMain extends WorkerMessage, Outcome> {
  /** The first fatal a worker posted: the run stops on it. */
  fatal: { code: ErrorCode; message: string } | undefined;

  /** The worker threads; none when the tasks run on this one (inProcess). */
  private readonly pool: Piscina | undefined;
  private readonly ports: MessagePort[] = [];
  private readonly closed: Promise<void>[] = [];
  private readonly tasks: Promise<Outcome>[];
  private readonly finished = new Set<number>();
  private wake: () => void = () => undefined;

  constructor(options: WorkerPoolOptions<ToMain>) {
    const { workers, threads } = options;
    const workerPath = builtFile(options.workerFile);
    // piscina loads only for worker threads.
    this.pool = options.inProcess ? undefined : new (createRequire(import.meta.url)('piscina') as typeof import('piscina')).Piscina({
      filename: workerPath,
      minThreads: threads,
      maxThreads: threads,
      // A task awaits between slices of its work: several share a thread's event loop.
      concurrentTasksPerWorker: Math.ceil(workers / threads),
      // A worker's client keeps sockets and timers alive between messages: never park it in Atomics.wait.
      atomics: 'disabled',
      idleTimeout: 1000,
      ...(options.youngGenerationMb === undefined ? {} : { resourceLimits: { maxYoungGenerationSizeMb: options.youngGenerationMb } }),
    });
    this.tasks = Array.from({ length: workers }, (_, workerId) => {
      const channel = new MessageChannel();
      this.ports.push(channel.port1);
      this.closed.push(new Promise<void>((resolve) => channel.port1.once('close', resolve)));
      channel.port1.on('message', (message: ToMain | FatalMessage) => {
        if (isFatal(message)) {
          this.fatal ??= { code: message.code, message: message.message };
          options.onFatal?.(message);
        } else {
          options.onMessage(message);
        }
        this.wake();
      });
      const task = { ...options.taskOf(workerId), port: channel.port2 };
      const run = this.pool
        ? this.pool.run(task, { transferList: [channel.port2] }) as Promise<Outcome>
        : import(pathToFileURL(workerPath).href).then((module: { default: (task: unknown) => Promise<Outcome> }) => module.default(task));
      return run.finally(() => { this.finished.add(workerId); this.wake(); });
    });
  }

  broadcast(message: ToWorker): void {
    for (const port of this.ports) port.postMessage(message);
  }

  get running(): boolean {
    return this.finished.size < this.tasks.length;
  }

  hasFinished(workerId: number): boolean {
    return this.finished.has(workerId);
  }

  /** Resolves at the next message or the next end of a task (one waiter at a time). */
  news(): Promise<void> {
    return new Promise<void>((resolve) => { this.wake = resolve; });
  }

  /** Rejects with the first task that fails; never settles otherwise. */
  firstFailure(): Promise<never> {
    return Promise.race(this.tasks.map((task) => task.then(() => new Promise<never>(() => undefined))));
  }

  /** Every task's outcome, in worker order, once all ended: by then every message of a task that returned has arrived. */
  async settled(): Promise<PromiseSettledResult<Outcome>[]> {
    const settled = await Promise.allSettled(this.tasks);
    await Promise.all(settled.map((outcome, workerId) => (outcome.status === 'fulfilled' ? this.closed[workerId] : undefined)));
    return settled;
  }

  /** Stops the threads; a port a failed task left open closes here (an open port would keep the process alive). */
  async destroy(): Promise<void> {
    for (const port of this.ports) port.close();
    await this.pool?.destroy();
  }
}

function builtFile(file: string): string {
  if (!existsSync(file)) throw new DataStormError('DS_NOT_BUILT', `${file} is missing`, { hint: 'run `npm run build` first' });
  return file;
}
