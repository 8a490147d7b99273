import type { MessagePort } from 'node:worker_threads';
import type { MainToWorker, WorkerToMain } from '../src/engine/worker-protocol.js';
import type { WorkerInterval } from '../src/engine/worker-protocol.js';

/**
 * A produce worker's side of the protocol: `go` releases the start, `snapshot` is answered with the meter's
 * figures, `stop` ends the send loop; every wait of the loop ends early on news (an acknowledgement, a stop).
 */
export class WorkerControl {
  stopping = false;
  private startAtMs: number | undefined;
  private releaseStart: () => void = () => undefined;
  private readonly start = new Promise<void>((resolve) => { this.releaseStart = resolve; });
  private wakeUp: () => void = () => undefined;

  constructor(private readonly port: MessagePort, private readonly workerId: number, takeFigures: () => WorkerInterval) {
    port.on('message', (message: MainToWorker) => {
      if (message.type === 'go') {
        this.startAtMs = message.startAtMs;
        this.releaseStart();
      } else if (message.type === 'snapshot') {
        this.post({ type: 'snapshot', workerId, seq: message.seq, interval: takeFigures() });
      } else {
        this.stopping = true;
        this.releaseStart();
        this.wake();
      }
    });
  }

  post(message: WorkerToMain): void {
    this.port.postMessage(message);
  }

  /** Says the producer is ready and resolves at the common start time (or at once on a stop). */
  async ready(): Promise<void> {
    this.post({ type: 'ready', workerId: this.workerId });
    await this.start;
    const waitMs = (this.startAtMs ?? 0) - (performance.timeOrigin + performance.now());
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  /** Resolves after timeoutMs, or at the next wake(). */
  woken(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, timeoutMs));
      this.wakeUp = () => { clearTimeout(timer); resolve(); };
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
