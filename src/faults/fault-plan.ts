import { DataStormError } from '../shared/errors.js';

/**
 * Faults on demand during a run on the local cluster: `--fault 'kill-node 2 at 10s; start-node 2 at 25s'`,
 * `--fault 'pause-node 2 at 5s for 15s'`. This module reads the plan and measures what the faults did to the run,
 * from the acknowledgements per 100 ms slot that the workers report; src/engine runs the plan (src/faults/run-faults.ts).
 */
export const FAULT_ACTIONS = [
  'kill-node', 'stop-node', 'start-node', 'pause-node', 'partition-node', 'restart-all', 'kill-controller', 'kill-leader',
] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/** What a step of each kind names after its action (a node, a partition of the run's topic, or nothing), and whether it lasts `for` a time. */
export const FAULT_FORMS: Record<FaultAction, { target?: 'node' | 'partition'; lasts: boolean }> = {
  'kill-node': { target: 'node', lasts: false },
  'stop-node': { target: 'node', lasts: false },
  'start-node': { target: 'node', lasts: false },
  'pause-node': { target: 'node', lasts: true },
  'partition-node': { target: 'node', lasts: true },
  'restart-all': { lasts: false },
  'kill-controller': { lasts: false },
  'kill-leader': { target: 'partition', lasts: false },
};

export interface FaultStep {
  action: FaultAction;
  /**
   * The node a node step names (kill-node, stop-node, start-node, pause-node, partition-node); in the events of
   * kill-controller and kill-leader, the node they found and killed.
   */
  node?: number;
  /** kill-leader's partition of the run's topic. */
  partition?: number;
  /** Since the run's start. */
  atMs: number;
  /** pause-node and partition-node: how long the fault lasts before it is healed. */
  forMs?: number;
}

/** Acknowledgements are counted in slots of this length; stalls and recovery are measured to it. */
export const ACK_SLOT_MS = 100;

/** Adds `count` records to `slot` of a timeline, growing it with empty slots up to there. */
export function addToSlot(perSlot: number[], slot: number, count: number): void {
  for (let s = perSlot.length; s <= slot; s++) perSlot[s] = 0;
  perSlot[slot] += count;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
const TIME = '(\\d+(?:\\.\\d+)?)(ms|s|m)';
const STEP = new RegExp(`^([a-z-]+)(?: (\\d+))? at ${TIME}(?: for ${TIME})?$`);
const isAction = (word: string): word is FaultAction => (FAULT_ACTIONS as readonly string[]).includes(word);

/** A kind's form after its action: ` <node> at <time> for <duration>`. */
const formAfterAction = (action: FaultAction) => {
  const { target, lasts } = FAULT_FORMS[action];
  return `${target ? ` <${target}>` : ''} at <time>${lasts ? ' for <duration>' : ''}`;
};

/** Every form, kinds of one form together: `kill-node|stop-node|start-node <node> at <time>; ...`. */
const FAULT_GRAMMAR = [...new Set(FAULT_ACTIONS.map(formAfterAction))]
  .map((form) => `${FAULT_ACTIONS.filter((action) => formAfterAction(action) === form).join('|')}${form}`).join('; ');

/** `kill-node 2 at 10s; pause-node 3 at 5s for 15s` → steps in time order; any other text is a one-line error naming the grammar. */
export function parseFaultPlan(text: string): FaultStep[] {
  const parts = text.split(';').map((part) => part.trim().replace(/\s+/g, ' ')).filter((part) => part !== '');
  if (parts.length === 0) throw planError(text, 'it names no fault');
  const steps = parts.map((part): FaultStep => {
    const match = STEP.exec(part);
    const action = (match?.[1] ?? part.split(' ')[0]);
    if (!isAction(action)) throw planError(text, `"${part}" is not one of ${FAULT_GRAMMAR}`);
    const { target, lasts } = FAULT_FORMS[action];
    const forMs = match?.[5] === undefined ? undefined : Math.round(Number(match[5]) * DURATION_UNITS[match[6]]);
    if (!match || (match[2] !== undefined) !== (target !== undefined) || (forMs !== undefined) !== lasts || forMs === 0) {
      throw planError(text, `"${part}" is not "${action}${formAfterAction(action)}"${forMs === 0 ? ' with a duration above 0' : ''}`);
    }
    return {
      action,
      ...(target ? { [target]: Number(match[2]) } : {}),
      atMs: Math.round(Number(match[3]) * DURATION_UNITS[match[4]]),
      ...(forMs !== undefined ? { forMs } : {}),
    };
  });
  return steps.sort((a, b) => a.atMs - b.atMs);
}

function planError(text: string, why: string): DataStormError {
  return new DataStormError('DS_BAD_OPTION', `--fault "${text}": ${why}`, {
    hint: 'for example --fault \'kill-node 2 at 10s; start-node 2 at 25s\' or \'pause-node 2 at 5s for 15s\' (times since the run\'s start: ms, s or m)',
  });
}

/** The step's action and what it names: `pause-node 2`, `kill-leader 0`, `restart-all`. */
function stepTarget(step: FaultStep): string {
  const { target } = FAULT_FORMS[step.action];
  return target ? `${step.action} ${step[target]}` : step.action;
}

export const describeStep = (step: FaultStep) =>
  `${stepTarget(step)} at ${formatSeconds(step.atMs)}${step.forMs !== undefined ? ` for ${formatSeconds(step.forMs)}` : ''}`;
const formatSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** kill-controller and kill-leader find their node when they run: the event names it. */
const foundNode = (event: FaultEvent) => (FAULT_FORMS[event.action].target !== 'node' && event.node !== undefined ? event.node : undefined);

/** What happened when a step ran: when it began and ended (ms since the run's start), or why it did not. */
export interface FaultEvent extends FaultStep {
  startedAtMs?: number;
  doneAtMs?: number;
  /** pause-node and partition-node: when the fault was healed (SIGCONT, or the rules removed). */
  healedAtMs?: number;
  /** Healed before its time because the run ended (a fault never outlives its run). */
  healedAtRunEnd?: boolean;
  /** Why healing failed. */
  healError?: string;
  error?: string;
}

export interface FaultReport {
  events: FaultEvent[];
  /** What the slots count: records acknowledged (produce) or consumed (consume). */
  counts: 'acknowledged' | 'consumed';
  /** The longest time with no acknowledgement from any worker, between the first and the last one. */
  longestStall: { fromMs: number; toMs: number } | undefined;
  /** Records/s over the 5 s before the first fault that happened (over the run's last 5 s when none did). */
  preFaultRecordsPerSec: number;
  /**
   * From the first fault that happened to the end of the first 1 s window, after the rate fell below 90% of the
   * pre-fault rate, in which it was back at 90% or more; 0 when it never fell; undefined when it never came back,
   * or no fault happened (the run ended first).
   */
  recoveryMs: number | undefined;
  /** Records acknowledged (or consumed) per ACK_SLOT_MS slot since the run's start: the dip, for charts and scripts. */
  acksPerSlot: number[];
}

const sum = (slots: number[], from: number, to: number) => slots.slice(Math.max(0, from), Math.max(0, to)).reduce((a, b) => a + b, 0);

/** The first step that began (steps run in order: the later ones were not reached either); a failed one may have done part. */
const firstHappened = (events: FaultEvent[]) => events.find((e) => e.startedAtMs !== undefined);

/** The fault section of a result, from the steps as they ran and the acknowledgements per slot. */
export function faultReport(events: FaultEvent[], acksPerSlot: number[], counts: FaultReport['counts']): FaultReport {
  const first = acksPerSlot.findIndex((n) => n > 0);
  const last = acksPerSlot.length - 1 - [...acksPerSlot].reverse().findIndex((n) => n > 0);
  let longestStall: FaultReport['longestStall'];
  for (let slot = first, start = -1; first >= 0 && slot <= last; slot++) {
    if (acksPerSlot[slot] === 0 && start < 0) start = slot;
    if (acksPerSlot[slot] > 0 && start >= 0) {
      if (!longestStall || (slot - start) * ACK_SLOT_MS > longestStall.toMs - longestStall.fromMs) {
        longestStall = { fromMs: start * ACK_SLOT_MS, toMs: slot * ACK_SLOT_MS };
      }
      start = -1;
    }
  }
  const fault = firstHappened(events);
  const faultSlot = fault ? Math.floor(fault.atMs / ACK_SLOT_MS) : acksPerSlot.length;
  const windowSlots = 1000 / ACK_SLOT_MS;
  const preSlots = Math.min(5 * windowSlots, faultSlot);
  const preFaultRecordsPerSec = preSlots > 0 ? (sum(acksPerSlot, faultSlot - preSlots, faultSlot) * 1000) / (preSlots * ACK_SLOT_MS) : 0;
  const threshold = 0.9 * preFaultRecordsPerSec * (windowSlots * ACK_SLOT_MS) / 1000;
  let recoveryMs: number | undefined;
  let fell = false;
  for (let slot = faultSlot; slot + windowSlots <= acksPerSlot.length; slot++) {
    const inWindow = sum(acksPerSlot, slot, slot + windowSlots);
    fell ||= inWindow < threshold;
    if (fell && inWindow >= threshold) {
      recoveryMs = (slot + windowSlots - faultSlot) * ACK_SLOT_MS;
      break;
    }
  }
  if (fault && !fell && preFaultRecordsPerSec > 0) recoveryMs = 0;
  return { events, counts, longestStall, preFaultRecordsPerSec, recoveryMs, acksPerSlot };
}

/** The report's fault lines (pure, tested to the byte). */
export function formatFaultLines(report: FaultReport): string[] {
  const events = report.events.map(formatEvent);
  const stall = report.longestStall;
  const rate = Math.round(report.preFaultRecordsPerSec).toLocaleString('en-US');
  const fault = firstHappened(report.events);
  const nothing = report.counts === 'acknowledged' ? 'no acknowledgement' : 'no record consumed';
  const every = report.counts === 'acknowledged' ? 'had an acknowledgement' : 'had a record consumed';
  const lines = [
    `faults: ${events.join('; ')}`,
    stall
      ? `longest stall: ${formatSeconds(stall.toMs - stall.fromMs)} with ${nothing} (from ${formatSeconds(stall.fromMs)} to ${formatSeconds(stall.toMs)})`
      : `longest stall: none (every 100 ms ${every})`,
  ];
  // No recovery from a fault that did not happen.
  if (!fault) return lines;
  return [...lines, report.recoveryMs === undefined
    ? `recovery: the rate did not come back to 90% of the pre-fault ${rate} records/s before the run ended`
    : report.recoveryMs === 0
      ? `recovery: the rate never fell below 90% of the pre-fault ${rate} records/s`
      : `recovery: back to 90% of the pre-fault ${rate} records/s ${formatSeconds(report.recoveryMs)} after ${stepTarget(fault)}` +
        `${foundNode(fault) === undefined ? '' : ` (node ${foundNode(fault)})`}`];
}

/**
 * A step and what became of it, as far as it went: `kill-node 2 at 6.0 s: done at 6.1 s`, `kill-controller at 5.0 s:
 * node 2, done at 5.3 s`, `pause-node 2 at 5.0 s for 15.0 s: done at 5.0 s, healed at 20.0 s`, or why not.
 */
export function formatEvent(e: FaultEvent): string {
  const step = describeStep(e);
  if (e.error) return `${step}: failed (${e.error})`;
  if (e.startedAtMs === undefined) return `${step}: not reached (the run ended first)`;
  const found = foundNode(e);
  const done = `${step}: ${found === undefined ? '' : `node ${found}, `}done at ${formatSeconds(e.doneAtMs!)}`;
  if (e.healError) return `${done}, healing failed (${e.healError})`;
  return e.healedAtMs === undefined ? done : `${done}, healed at ${formatSeconds(e.healedAtMs)}${e.healedAtRunEnd ? ' (the run ended)' : ''}`;
}
