import { startNode, stopNode } from '../cluster/launcher.js';
import { sleepUntil } from '../shared/sleep.js';
import { ACK_SLOT_MS, addToSlot, describeStep, type FaultEvent, type FaultStep } from './fault-plan.js';

export interface RunningFaults {
  /** Stops what has not started, waits for what has, and returns every step as it went. */
  finish(): Promise<FaultEvent[]>;
}

/**
 * Runs the plan on the local cluster in `dir`, each step at its time after `startAtMs` (epoch ms) and after
 * the step before it has finished (a start-node waits until the metadata lists the node).
 */
export function runFaults(steps: FaultStep[], startAtMs: number, dir: string, log: (line: string) => void): RunningFaults {
  const events: FaultEvent[] = steps.map((step) => ({ ...step }));
  const abort = new AbortController();
  const sinceStart = () => Date.now() - startAtMs;
  const chain = (async () => {
    for (const event of events) {
      await sleepUntil(startAtMs + event.atMs, abort.signal);
      if (abort.signal.aborted) return;
      event.startedAtMs = sinceStart();
      try {
        if (event.action === 'start-node') await startNode(event.node, { dir });
        else await stopNode(event.node, event.action === 'kill-node' ? 'kill' : 'stop', { dir });
        event.doneAtMs = sinceStart();
        log(`fault: ${describeStep(event)} done at ${(event.doneAtMs / 1000).toFixed(1)} s`);
      } catch (error) {
        event.error = (error as Error).message.split('\n')[0];
        log(`fault: ${describeStep(event)} failed: ${event.error}`);
      }
    }
  })();
  return {
    async finish() {
      abort.abort();
      await chain;
      return events;
    },
  };
}

const SAMPLE_MS = 20;

/**
 * Records per ACK_SLOT_MS slot since startMs (epoch ms), from a running count that was 0 then, read every 20 ms:
 * the timeline a consumer's stall and recovery are measured on. `stop` takes a last reading and returns the slots.
 */
export function countPerSlot(readCount: () => number, startMs: number): { stop(): number[] } {
  const perSlot: number[] = [];
  let counted = 0;
  const sample = () => {
    const now = readCount();
    addToSlot(perSlot, Math.max(0, Math.floor((Date.now() - startMs) / ACK_SLOT_MS)), now - counted);
    counted = now;
  };
  const timer = setInterval(sample, SAMPLE_MS);
  return { stop: () => { clearInterval(timer); sample(); return perSlot; } };
}
