/**
 * The record values of a run, built once by the main thread and shared with every worker thread in one
 * SharedArrayBuffer: a worker reads them in place instead of building (and holding) a pool of its own.
 */
export interface SharedValues {
  bytes: SharedArrayBuffer;
  /** Value i is bytes[offsets[i], offsets[i + 1]). */
  offsets: number[];
  /**
   * --schema-change: values from `from` on are the second schema's, sent once the main thread has set switched[0]
   * (an Int32) to 1, after writing their schema id into them.
   */
  second?: { from: number; switched: SharedArrayBuffer };
}

export function shareValues(values: Buffer[], second?: SharedValues['second']): SharedValues {
  const offsets = [0];
  for (const value of values) offsets.push(offsets[offsets.length - 1] + value.length);
  const bytes = new SharedArrayBuffer(offsets[offsets.length - 1]);
  const view = Buffer.from(bytes);
  values.forEach((value, i) => value.copy(view, offsets[i]));
  return { bytes, offsets, ...(second ? { second } : {}) };
}

/** The values as Buffers over the shared memory (no copy). */
export function valueViews({ bytes, offsets }: SharedValues): Buffer[] {
  return offsets.slice(1).map((end, i) => Buffer.from(bytes, offsets[i], end - offsets[i]));
}
