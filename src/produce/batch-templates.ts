import { randomUUID } from 'node:crypto';
import { RECORD_BATCH_HEADER_BYTES, encodeRecords, recordSize } from './record-batch.js';

/**
 * Pre-encoded batches (--batch-encoding pre-encoded, stage v5). With unkeyed records from a fixed pool of values,
 * a batch of n records can be the first n records of a template encoded before the run: offset deltas 0, 1, 2 ...,
 * record k carrying value (start + k) % pool and the run's headers block. Sending a batch then costs what copying
 * it costs (nothing while its buffer still holds the template), and a codec compresses each length once.
 * Several templates start at different values, so that small batches still send every value of the pool.
 */
export class RecordTemplate {
  /** `ends[n]`: bytes of the first n records; `valueEnds[n]`: bytes of their values. */
  constructor(
    readonly id: number, readonly records: Buffer, readonly ends: Int32Array, readonly valueEnds: Float64Array,
  ) {}

  /** The most records a batch takes from it. */
  get capacity(): number {
    return this.ends.length - 1;
  }

  /**
   * How many records a batch holding `held` of them ends with when `wanted` more are offered and the batch may
   * reach `limitBytes` (header included); the first record goes in whatever its size, as Java's batch rule.
   */
  fill(held: number, wanted: number, limitBytes: number): number {
    const most = Math.min(this.capacity, held + wanted);
    const ends = this.ends;
    // The largest n in [least, most] whose records fit (ends grows with n): a binary search, not a walk per record.
    let least = held === 0 && most > 0 ? 1 : held;
    let over = most + 1;
    while (over - least > 1) {
      const mid = (least + over) >>> 1;
      if (RECORD_BATCH_HEADER_BYTES + ends[mid] <= limitBytes) least = mid;
      else over = mid;
    }
    return least;
  }
}

/** Records starting at value `start`, as many as fill `limitBytes` (at least one), encoded into a buffer of their size. */
function buildTemplate(id: number, values: Buffer[], start: number, limitBytes: number, headers: Buffer): RecordTemplate {
  const ends: number[] = [0];
  const valueEnds: number[] = [0];
  const taken: Buffer[] = [];
  for (let k = 0; ; k++) {
    const value = values[(start + k) % values.length];
    const end = ends[k] + recordSize(k, -1, value.length, headers.length);
    if (k > 0 && RECORD_BATCH_HEADER_BYTES + end > limitBytes) break;
    ends.push(end);
    valueEnds.push(valueEnds[k] + value.length);
    taken.push(value);
  }
  const records = encodeRecords(taken.map((value) => ({ value })), headers);
  return new RecordTemplate(id, records, Int32Array.from(ends), Float64Array.from(valueEnds));
}

/**
 * The templates of a worker, taken in turn by its batches. A full batch of the first template holds `perBatch`
 * records; when that is fewer than the pool's values, ceil(pool / perBatch) templates start perBatch values
 * apart, so that full batches send every value (memory: about the pool's bytes, or one batch when it is larger).
 */
export class BatchTemplates {
  private turn = 0;

  constructor(readonly templates: RecordTemplate[]) {}

  static build(values: Buffer[], headers: Buffer, limitBytes: number): BatchTemplates {
    const first = buildTemplate(0, values, 0, limitBytes, headers);
    const perBatch = first.capacity;
    const count = Math.ceil(values.length / perBatch);
    const rest = Array.from({ length: count - 1 }, (_, j) => buildTemplate(j + 1, values, (j + 1) * perBatch, limitBytes, headers));
    return new BatchTemplates([first, ...rest]);
  }

  /** The template for the next batch. */
  next(): RecordTemplate {
    const template = this.templates[this.turn];
    this.turn = (this.turn + 1) % this.templates.length;
    return template;
  }

  /** Bytes the templates hold. */
  get bytes(): number {
    return this.templates.reduce((sum, t) => sum + t.records.length, 0);
  }
}

/**
 * A run's templates in shared memory: the main thread builds them once (its workers would each build the same
 * ones: 16 workers at --batch 16MB held 16 copies of a 2 MB template), each worker reads them in place.
 */
export interface SharedTemplates {
  /** The run's: workers sharing a thread share one set of views (and what their batches cache of them). */
  id: string;
  records: SharedArrayBuffer;
  /** Every template's ends (Int32) and valueEnds (Float64), back to back. */
  ends: SharedArrayBuffer;
  valueEnds: SharedArrayBuffer;
  /** Per template: where its records start and how long they are, where its ends start, and how many there are. */
  layout: Array<{ recordsAt: number; recordsLength: number; endsAt: number; endsLength: number }>;
}

export function shareTemplates({ templates }: BatchTemplates): SharedTemplates {
  const layout: SharedTemplates['layout'] = [];
  let recordsAt = 0;
  let endsAt = 0;
  for (const t of templates) {
    layout.push({ recordsAt, recordsLength: t.records.length, endsAt, endsLength: t.ends.length });
    recordsAt += t.records.length;
    endsAt += t.ends.length;
  }
  const shared: SharedTemplates = {
    id: randomUUID(), records: new SharedArrayBuffer(recordsAt), ends: new SharedArrayBuffer(endsAt * Int32Array.BYTES_PER_ELEMENT),
    valueEnds: new SharedArrayBuffer(endsAt * Float64Array.BYTES_PER_ELEMENT), layout,
  };
  const { records, ends, valueEnds } = viewsOf(shared);
  templates.forEach((t, j) => {
    t.records.copy(records, layout[j].recordsAt);
    ends.set(t.ends, layout[j].endsAt);
    valueEnds.set(t.valueEnds, layout[j].endsAt);
  });
  return shared;
}

const viewsOf = (shared: SharedTemplates) => ({
  records: Buffer.from(shared.records), ends: new Int32Array(shared.ends), valueEnds: new Float64Array(shared.valueEnds),
});

/** This thread's views of runs' templates, by id (their records are also what the driver caches by). */
const viewsOnThread = new Map<string, RecordTemplate[]>();

/** A worker's templates over the shared memory (no copy), taken in turn from the first. */
export function templatesOf(shared: SharedTemplates): BatchTemplates {
  let templates = viewsOnThread.get(shared.id);
  if (!templates) {
    const { records, ends, valueEnds } = viewsOf(shared);
    templates = shared.layout.map((l, j) => new RecordTemplate(j, records.subarray(l.recordsAt, l.recordsAt + l.recordsLength),
      ends.subarray(l.endsAt, l.endsAt + l.endsLength), valueEnds.subarray(l.endsAt, l.endsAt + l.endsLength)));
    viewsOnThread.clear(); // a thread runs one run's workers at a time
    viewsOnThread.set(shared.id, templates);
  }
  return new BatchTemplates(templates);
}
