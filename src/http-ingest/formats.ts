/**
 * The HTTP shapes records take into Kafka, both sides: what `http-produce` posts and reads back, and what
 * `gateway` takes and answers. Pure functions over strings and buffers, tested to the byte.
 *
 * - bridge (Strimzi Kafka Bridge) and rest-v2 (Confluent REST Proxy v2) share one shape: POST /topics/{topic},
 *   `{"records":[{"key":..,"value":..}]}` in application/vnd.kafka.json.v2+json (values as JSON) or
 *   application/vnd.kafka.binary.v2+json (keys and values base64), answered `{"offsets":[{"partition","offset"}]}`,
 *   one entry per record in order; a record that failed has `error_code` and a message instead of an offset.
 * - rest-v3 (Confluent REST Proxy v3): POST {url}/topics/{topic}/records with the records as a stream of JSON
 *   objects `{"key":{"type":"STRING","data":..},"value":{"type":"JSON","data":..}}`, answered by a stream of one
 *   object per record `{"error_code":200,"partition_id":..,"offset":..}`; {url} holds /v3/clusters/{cluster_id}.
 * - orders (seed 003's preset): POST /orders/batch, `{"orders":[{"order_id":..,...}]}`, the order's id its key,
 *   answered as the bridge answers.
 */
export const HTTP_FORMATS = ['bridge', 'rest-v2', 'rest-v3', 'orders'] as const;
export type HttpFormat = (typeof HTTP_FORMATS)[number];

/** How values travel in the body: as JSON (the value is a JSON text) or as base64 of their bytes. */
export const VALUE_ENCODINGS = ['json', 'binary'] as const;
export type ValueEncoding = (typeof VALUE_ENCODINGS)[number];

export const JSON_V2 = 'application/vnd.kafka.json.v2+json';
export const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';
/** The bridge's and REST Proxy v2's content type of answers, errors included. */
export const V2_ANSWER = 'application/vnd.kafka.v2+json';

/** One record as a client sends it: its key (text, or none) and its value already in the body's form. */
export interface OutgoingRecord {
  key: string | null;
  /** The value as it goes in the body: a JSON text (json encoding) or base64 in quotes (binary). */
  valueField: string;
}

/** The value of a record as the body carries it, made once per value before a run. */
export function valueField(format: HttpFormat, encoding: ValueEncoding, value: Buffer | string): string {
  const json = encoding === 'json' ? jsonValueText(value) : JSON.stringify(Buffer.from(value).toString('base64'));
  if (format !== 'rest-v3') return json;
  return `{"type":"${encoding === 'json' ? 'JSON' : 'BINARY'}","data":${json}}`;
}

/** A value as JSON: a text that is JSON already stays as it is; any other is sent as a JSON string. */
function jsonValueText(value: Buffer | string): string {
  const text = value.toString();
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

/** The path of a request for the topic, under the base URL's path. */
export function requestPath(format: HttpFormat, basePath: string, topic: string): string {
  const base = basePath.replace(/\/$/, '');
  if (format === 'orders') return `${base}/orders/batch`;
  if (format === 'rest-v3') return `${base}/topics/${encodeURIComponent(topic)}/records`;
  return `${base}/topics/${encodeURIComponent(topic)}`;
}

export function requestContentType(format: HttpFormat, encoding: ValueEncoding): string {
  if (format === 'rest-v3' || format === 'orders') return 'application/json';
  return encoding === 'json' ? JSON_V2 : BINARY_V2;
}

/** A Kafka record header as a request carries it: its key, and its value as text. */
export interface HeaderField {
  key: string;
  value: string;
}

/**
 * The record headers every record of a run carries, as the body's field (with its leading comma), made once: the
 * bridge and REST v2 take `"headers":[{"key":..,"value":base64}]`, REST v3 `"headers":[{"name":..,"value":base64}]`.
 */
export function headersField(format: HttpFormat, headers: readonly HeaderField[]): string {
  if (headers.length === 0) return '';
  const name = format === 'rest-v3' ? 'name' : 'key';
  return `,"headers":[${headers.map((h) => `{"${name}":${JSON.stringify(h.key)},"value":${JSON.stringify(Buffer.from(h.value).toString('base64'))}}`).join(',')}]`;
}

/** A request body of the records, in the format's shape; `headers` is headersField's (orders carry none). */
export function encodeRecords(format: HttpFormat, encoding: ValueEncoding, records: readonly OutgoingRecord[], headers = ''): string {
  if (format === 'rest-v3') {
    return records.map((r) => (r.key === null ? `{"value":${r.valueField}${headers}}` : `{"key":{"type":"STRING","data":${JSON.stringify(r.key)}},"value":${r.valueField}${headers}}`)).join('\n');
  }
  if (format === 'orders') {
    // An order is a JSON object: its id (the key) beside the event it carries.
    return `{"orders":[${records.map((r) => `{"order_id":${JSON.stringify(r.key)},"event":${r.valueField}}`).join(',')}]}`;
  }
  const key = (k: string) => (encoding === 'json' ? JSON.stringify(k) : JSON.stringify(Buffer.from(k).toString('base64')));
  return `{"records":[${records.map((r) => (r.key === null ? `{"value":${r.valueField}${headers}}` : `{"key":${key(r.key)},"value":${r.valueField}${headers}}`)).join(',')}]}`;
}

/** What the proxy said of one record: stored at an offset, or failed (with its error's name). */
export type RecordAck = { partition: number; offset: number } | { error: string };

/**
 * The answer to a request of `count` records, record by record. A 2xx answer must name every record; any other
 * status fails the records it does not name (a 503 with no body: all of them, as `HTTP 503`).
 */
export function decodeAcks(format: HttpFormat, status: number, body: string, count: number): RecordAck[] {
  const named = readAckEntries(format, body);
  if (named === undefined || named.length !== count) {
    const ok = status >= 200 && status < 300;
    const error = ok ? `HTTP ${status} (answer did not name ${count} records)` : `HTTP ${status}`;
    return Array.from({ length: count }, () => ({ error }));
  }
  return named;
}

function readAckEntries(format: HttpFormat, body: string): RecordAck[] | undefined {
  try {
    if (format === 'rest-v3') {
      return splitJsonStream(body).map((entry) => ackOf(entry.partition_id, entry.offset, entry.error_code === 200 ? undefined : entry));
    }
    const parsed = JSON.parse(body) as { offsets?: Array<Record<string, unknown>> };
    if (!Array.isArray(parsed.offsets)) return undefined;
    return parsed.offsets.map((entry) => ackOf(entry.partition, entry.offset, entry.error_code === undefined ? undefined : entry));
  } catch {
    return undefined;
  }
}

function ackOf(partition: unknown, offset: unknown, failure: Record<string, unknown> | undefined): RecordAck {
  if (failure === undefined && Number.isInteger(partition) && Number.isInteger(Number(offset))) return { partition: partition as number, offset: Number(offset) };
  const code = failure?.error_code ?? 'no offset';
  return { error: `record error ${String(code)}` };
}

/** The objects of a stream of concatenated JSON objects (REST Proxy v3's streaming produce). */
export function splitJsonStream(text: string): Array<Record<string, unknown>> {
  const objects: Array<Record<string, unknown>> = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}') {
      if (--depth === 0) objects.push(JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>);
      if (depth < 0) throw new SyntaxError('unbalanced }');
    } else if (depth === 0 && !/\s/.test(c)) throw new SyntaxError(`unexpected ${c} between objects`);
  }
  if (depth !== 0 || inString) throw new SyntaxError('unterminated object');
  return objects;
}

/** A record as the gateway takes it from a request: bytes for Kafka, and a partition when the request named one. */
export interface IncomingRecord {
  key: Buffer | null;
  value: Buffer;
  partition?: number;
  headers?: Array<{ key: string; value: Buffer }>;
}

/** A request the gateway cannot take: its status (400 unreadable, 415 content type, 422 not records) and why. */
export class BadRequest extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The records of a bridge (or REST v2) request body, checked: each record has a value; binary keys and values are base64. */
export function parseBridgeBody(contentType: string | undefined, body: Buffer): IncomingRecord[] {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== JSON_V2 && type !== BINARY_V2) throw new BadRequest(415, `Content-Type must be ${JSON_V2} or ${BINARY_V2}, not "${type || 'none'}"`);
  const binary = type === BINARY_V2;
  const parsed = parseJson(body) as { records?: unknown };
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.records)) throw new BadRequest(422, 'the body must be {"records":[...]}');
  if (parsed.records.length === 0) throw new BadRequest(422, 'no records');
  return parsed.records.map((record: unknown, i: number) => {
    if (record === null || typeof record !== 'object' || !('value' in record)) throw new BadRequest(422, `record ${i} has no value`);
    const { key, value, partition, headers } = record as { key?: unknown; value: unknown; partition?: unknown; headers?: unknown };
    if (partition !== undefined && !(Number.isInteger(partition) && (partition as number) >= 0)) throw new BadRequest(422, `record ${i}'s partition is not a whole number`);
    return {
      key: key === undefined || key === null ? null : binary ? base64Field(key, i, 'key') : Buffer.from(typeof key === 'string' ? key : JSON.stringify(key)),
      value: binary ? base64Field(value, i, 'value') : Buffer.from(JSON.stringify(value)),
      ...(partition === undefined ? {} : { partition: partition as number }),
      ...(headers === undefined ? {} : { headers: headersOf(headers, i) }),
    };
  });
}

/** Seed 003's POST /orders/batch: `{"orders":[...]}` or a bare array of order objects; the order's id is its key. */
export function parseOrdersBody(body: Buffer): IncomingRecord[] {
  const parsed = parseJson(body) as unknown;
  const orders = Array.isArray(parsed) ? parsed : (parsed as { orders?: unknown } | null)?.orders;
  if (!Array.isArray(orders)) throw new BadRequest(422, 'the body must be {"orders":[...]} or an array of orders');
  if (orders.length === 0) throw new BadRequest(422, 'no orders');
  return orders.map((order: unknown, i: number) => {
    if (order === null || typeof order !== 'object' || Array.isArray(order)) throw new BadRequest(422, `order ${i} is not an object`);
    const id = (order as Record<string, unknown>).order_id ?? (order as Record<string, unknown>).id;
    return { key: typeof id === 'string' || typeof id === 'number' ? Buffer.from(String(id)) : null, value: Buffer.from(JSON.stringify(order)) };
  });
}

/** A record's headers in the bridge's shape: [{"key":"k","value":base64}]. */
function headersOf(headers: unknown, i: number): Array<{ key: string; value: Buffer }> {
  if (!Array.isArray(headers)) throw new BadRequest(422, `record ${i}'s headers are not a list`);
  return headers.map((header: unknown) => {
    const { key, value } = (header ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== 'string') throw new BadRequest(422, `record ${i} has a header without a key`);
    return { key, value: base64Field(value, i, `header ${key}`) };
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new BadRequest(400, `the body is not JSON: ${(error as Error).message}`);
  }
}

function base64Field(field: unknown, i: number, name: string): Buffer {
  if (typeof field !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(field) || field.length % 4 !== 0) {
    throw new BadRequest(422, `record ${i}'s ${name} is not base64 (binary embedded format)`);
  }
  return Buffer.from(field, 'base64');
}

/** The gateway's answer of stored and failed records, in request order (the bridge's shape). */
export function encodeOffsets(outcomes: ReadonlyArray<{ partition: number; offset?: number; error?: string }>): string {
  return `{"offsets":[${outcomes.map((o) => (o.offset === undefined
    ? `{"partition":${o.partition},"error_code":500,"message":${JSON.stringify(o.error ?? 'not written')}}`
    : `{"partition":${o.partition},"offset":${o.offset}}`)).join(',')}]}`;
}

/** An error answer in the bridge's shape. */
export function encodeError(status: number, message: string): string {
  return JSON.stringify({ error_code: status, message });
}
