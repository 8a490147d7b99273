import type { MessagePort } from 'node:worker_threads';
import type { MainToWorker, WorkerInterval, WorkerToMain } from '../src/engine/worker-protocol.js';
import { epochMs } from '../src/shared/clock.js';
import { callAt, sleepUntil } from '../src/shared/sleep.js';

/**
 * A produce worker's side of the protocol: `go` releases the start, `snapshot` is answered with the meter's
 * figures, `stop` ends the send loop; every wait of the loop ends early on news (an acknowledgement, a stop).
 */
export class WorkerControl {
  private startAtMs: number | undefined;
  private releaseStart: () => void = () => undefined;
  private readonly start = new Promise<void>((resolve) => { this.releaseStart = resolve; });
  /** Aborted by a stop: a wait for the start barrier ends with it. */
  private readonly stopped = new AbortController();
  private wakeUp: () => void = () => undefined;

  get stopping(): boolean {
    return this.stopped.signal.aborted;
  }

  constructor(private readonly port: MessagePort, private readonly workerId: number, takeFigures: () => WorkerInterval) {
    port.on('message', (message: MainToWorker) => {
      if (message.type === 'go') {
        this.startAtMs = message.startAtMs;
        this.releaseStart();
      } else if (message.type === 'snapshot') {
        this.post({ type: 'snapshot', workerId, seq: message.seq, interval: takeFigures() });
      } else {
        this.stopped.abort();
        this.releaseStart();
        this.wake();
      }
    });
  }

  post(message: WorkerToMain): void {
    this.port.postMessage(message);
  }

  /** Says the producer is ready and resolves at the common start time (or at once on a stop, also while it waits for it). */
  async ready(): Promise<void> {
    this.post({ type: 'ready', workerId: this.workerId });
    await this.start;
    await sleepUntil(this.startAtMs ?? 0, this.stopped.signal, epochMs);
  }

  /** Resolves after timeoutMs, or at the next wake(). */
  woken(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const cancel = callAt(performance.now() + timeoutMs, resolve, () => performance.now());
      this.wakeUp = () => { cancel(); resolve(); };
    });
  }

  wake(): void {
    this.wakeUp();
  }

  /** After the last message: the main thread knows every figure and fatal sent has arrived. */
  close(): void {
    this.port.close();
  }
}
