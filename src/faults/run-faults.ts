import { sleepUntil } from '../shared/sleep.js';
import { ACK_SLOT_MS, addToSlot, formatEvent, type FaultEvent, type FaultStep } from './fault-plan.js';
import { causeFault, type FaultScene } from './node-faults.js';

export interface RunningFaults {
  /** Stops what has not started, waits for what has, heals what lasts, and returns every step as it went. */
  finish(): Promise<FaultEvent[]>;
  /** Every step has run (or failed) and every lasting fault is healed. */
  settled: Promise<void>;
}

/**
 * Runs the plan on the local cluster of the scene, each step at its time after `startAtMs` (epoch ms) and after
 * the step before it has finished (a start-node waits until the metadata lists the node; a restart-all until every
 * node is back in sync). A fault that lasts is healed its duration after it began, while later steps go on, or when
 * the run ends (finish), whichever comes first. The caller calls finish in a `finally`: nothing outlives the run.
 */
export function runFaults(steps: FaultStep[], startAtMs: number, scene: FaultScene, log: (line: string) => void): RunningFaults {
  const events: FaultEvent[] = steps.map((step) => ({ ...step }));
  const abort = new AbortController();
  const sinceStart = () => Date.now() - startAtMs;
  const healing: Array<Promise<void>> = [];
  const healInTime = async (event: FaultEvent, heal: () => void) => {
    await sleepUntil(startAtMs + event.doneAtMs! + event.forMs!, abort.signal);
    if (abort.signal.aborted) event.healedAtRunEnd = true;
    try {
      heal();
      event.healedAtMs = sinceStart();
    } catch (error) {
      event.healError = (error as Error).message.split('\n')[0];
    }
    log(`fault: ${formatEvent(event)}`);
  };
  const chain = (async () => {
    for (const event of events) {
      await sleepUntil(startAtMs + event.atMs, abort.signal);
      if (abort.signal.aborted) return;
      event.startedAtMs = sinceStart();
      try {
        const caused = await causeFault(event, scene, abort.signal, log);
        event.doneAtMs = sinceStart();
        if (caused.node !== undefined) event.node = caused.node;
        if (caused.heal) healing.push(healInTime(event, caused.heal));
      } catch (error) {
        event.error = (error as Error).message.split('\n')[0];
      }
      log(`fault: ${formatEvent(event)}`);
    }
  })();
  return {
    async finish() {
      abort.abort();
      await chain;
      await Promise.all(healing);
      return events;
    },
    // Healing is pushed as each step ends: read once the chain is over.
    settled: chain.then(() => Promise.all(healing)).then(() => undefined),
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
