/**
 * The requests drain makes, as go-dmux's HTTP sink makes them: one record is `{sink}/{topic}/{partition}/{key}/{offset}`
 * with the raw value as body; a batch (batch-size > 1) is `{sink}/{topic}` with the v2 body: 4-byte partition,
 * 4-byte count, then per record 4-byte value length, 8-byte offset, 4-byte key length, key, value (big-endian).
 * Unlike go-dmux, the key is percent-encoded in the path (a key with '/' would move the offset), and a batch
 * holds one partition's records (the v2 body has room for one partition).
 */
export interface SinkRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

const BATCH_HEAD_BYTES = 8;
const RECORD_HEAD_BYTES = 16;

export function recordPath(topic: string, record: SinkRecord): string {
  const key = record.key === null ? '' : encodeURIComponent(record.key.toString('utf8'));
  return `/${encodeURIComponent(topic)}/${record.partition}/${key}/${record.offset}`;
}

export function batchPath(topic: string): string {
  return `/${encodeURIComponent(topic)}`;
}

export function encodeBatchV2(partition: number, records: readonly SinkRecord[]): Buffer {
  const size = records.reduce((sum, r) => sum + RECORD_HEAD_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0), BATCH_HEAD_BYTES);
  const body = Buffer.allocUnsafe(size);
  body.writeUInt32BE(partition, 0);
  body.writeUInt32BE(records.length, 4);
  let at = BATCH_HEAD_BYTES;
  for (const record of records) {
    const key = record.key ?? Buffer.alloc(0);
    const value = record.value ?? Buffer.alloc(0);
    body.writeUInt32BE(value.length, at);
    body.writeBigUInt64BE(BigInt(record.offset), at + 4);
    body.writeUInt32BE(key.length, at + 12);
    at += RECORD_HEAD_BYTES;
    at += key.copy(body, at);
    at += value.copy(body, at);
  }
  return body;
}

/** The records of a v2 batch body (the sink reads them); a key of no bytes reads as null. */
export function decodeBatchV2(body: Buffer): SinkRecord[] {
  if (body.length < BATCH_HEAD_BYTES) throw new Error(`a v2 batch body has at least ${BATCH_HEAD_BYTES} bytes, this one ${body.length}`);
  const partition = body.readUInt32BE(0);
  const count = body.readUInt32BE(4);
  const records: SinkRecord[] = [];
  let at = BATCH_HEAD_BYTES;
  for (let i = 0; i < count; i += 1) {
    if (at + RECORD_HEAD_BYTES > body.length) throw new Error(`v2 batch body ends inside record ${i} of ${count}`);
    const valueLength = body.readUInt32BE(at);
    const offset = Number(body.readBigUInt64BE(at + 4));
    const keyLength = body.readUInt32BE(at + 12);
    at += RECORD_HEAD_BYTES;
    if (at + keyLength + valueLength > body.length) throw new Error(`v2 batch body ends inside record ${i} of ${count}`);
    const key = keyLength === 0 ? null : body.subarray(at, at + keyLength);
    at += keyLength;
    records.push({ partition, offset, key, value: body.subarray(at, at + valueLength) });
    at += valueLength;
  }
  return records;
}
