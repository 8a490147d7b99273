import { describe, expect, it } from 'vitest';
import {
  BadRequest, decodeAcks, encodeError, encodeOffsets, encodeRecords, headersField, parseBridgeBody, parseOrdersBody, requestContentType, requestPath, splitJsonStream,
  valueField,
} from '../../src/http-ingest/formats.js';
import { batchingChart, formatBatchingTable } from '../../src/http-ingest/batching-sweep.js';
import { accountingOf, type HttpProduceResult, type PartitionAccount } from '../../src/http-ingest/http-produce.js';
import {
  formatHttpAccounting, formatHttpHeader, formatRequestsLine, formatStatusesLine,
} from '../../src/http-ingest/http-report.js';
import { formatGatewayListening, formatGatewayStats } from '../../src/gateway/gateway-report.js';
import { RequestLoop, RequestMeter } from '../../src/http-ingest/request-loop.js';
import type { PostOutcome } from '../../src/http-ingest/proxy-client.js';
import { ProduceMeter } from '../../src/produce/meter.js';
import { formatPartialLine } from '../../src/report/produce-report.js';
import { Pacer } from '../../src/produce/pacer.js';
import { decodeHistogram, type LatencySummaryUs } from '../../src/shared/histograms.js';
import { toGatewaySpec, toHttpProduceSpecs, type HttpProduceFlags } from '../../src/run-spec/http-options.js';
import { type HttpProduceSpec } from '../../src/http-ingest/http-spec.js';
import { PLAINTEXT } from '../../src/security/client-security.js';
import { errorOf } from '../helpers.js';

const connection = { bootstrap: ['127.0.0.1:9092'], security: PLAINTEXT };

describe('request bodies, to the byte', () => {
  const records = [{ key: 'key-1', valueField: '{"a":1}' }, { key: null, valueField: '"text"' }];

  it('bridge and rest-v2: {"records":[...]}, JSON keys as text, binary keys base64', () => {
    expect(encodeRecords('bridge', 'json', records)).toBe('{"records":[{"key":"key-1","value":{"a":1}},{"value":"text"}]}');
    expect(encodeRecords('rest-v2', 'binary', [{ key: 'k', valueField: valueField('rest-v2', 'binary', Buffer.from('hi')) }]))
      .toBe('{"records":[{"key":"aw==","value":"aGk="}]}');
    expect(requestPath('bridge', '/', 'my.topic')).toBe('/topics/my.topic');
    expect(requestPath('rest-v2', '/proxy/', 't')).toBe('/proxy/topics/t');
    expect(requestContentType('bridge', 'json')).toBe('application/vnd.kafka.json.v2+json');
    expect(requestContentType('rest-v2', 'binary')).toBe('application/vnd.kafka.binary.v2+json');
  });

  it('rest-v3: a stream of records with typed keys and values, to {url}/topics/{topic}/records', () => {
    const fields = [{ key: 'key-1', valueField: valueField('rest-v3', 'json', '{"a":1}') }, { key: null, valueField: valueField('rest-v3', 'binary', Buffer.from('hi')) }];
    expect(encodeRecords('rest-v3', 'json', fields))
      .toBe('{"key":{"type":"STRING","data":"key-1"},"value":{"type":"JSON","data":{"a":1}}}\n{"value":{"type":"BINARY","data":"aGk="}}');
    expect(requestPath('rest-v3', '/v3/clusters/abc', 't')).toBe('/v3/clusters/abc/topics/t/records');
    expect(requestContentType('rest-v3', 'json')).toBe('application/json');
  });

  it('record headers: base64 values, under "key" (bridge, v2) or "name" (v3), in every record', () => {
    const headers = [{ key: 'trace', value: 'abc' }];
    expect(encodeRecords('bridge', 'json', [records[0]], headersField('bridge', headers)))
      .toBe('{"records":[{"key":"key-1","value":{"a":1},"headers":[{"key":"trace","value":"YWJj"}]}]}');
    expect(encodeRecords('rest-v3', 'json', [{ key: null, valueField: '{"type":"JSON","data":1}' }], headersField('rest-v3', headers)))
      .toBe('{"value":{"type":"JSON","data":1},"headers":[{"name":"trace","value":"YWJj"}]}');
    expect(headersField('bridge', [])).toBe('');
  });

  it('orders: seed 003\'s batch, the key as order_id beside the event', () => {
    expect(encodeRecords('orders', 'json', [records[0]])).toBe('{"orders":[{"order_id":"key-1","event":{"a":1}}]}');
    expect(requestPath('orders', '', 't')).toBe('/orders/batch');
  });

  it('a value that is not JSON goes as a JSON string', () => {
    expect(valueField('bridge', 'json', 'plain "text"')).toBe('"plain \\"text\\""');
    expect(valueField('bridge', 'json', '[1,2]')).toBe('[1,2]');
  });
});

describe('answers, record by record', () => {
  it('reads offsets in order; a record with error_code failed', () => {
    expect(decodeAcks('bridge', 200, '{"offsets":[{"partition":2,"offset":10},{"partition":0,"offset":"7"}]}', 2))
      .toEqual([{ partition: 2, offset: 10 }, { partition: 0, offset: 7 }]);
    expect(decodeAcks('bridge', 500, encodeOffsets([{ partition: 1, offset: 4 }, { partition: 1, error: 'NOT_ENOUGH_REPLICAS' }]), 2))
      .toEqual([{ partition: 1, offset: 4 }, { error: 'record error 500' }]);
  });

  it('an answer that does not name every record fails them all, by status', () => {
    expect(decodeAcks('bridge', 503, '{"error_code":503,"message":"full"}', 2)).toEqual([{ error: 'HTTP 503' }, { error: 'HTTP 503' }]);
    expect(decodeAcks('bridge', 200, '{"offsets":[{"partition":0,"offset":1}]}', 2)).toEqual([
      { error: 'HTTP 200 (answer did not name 2 records)' }, { error: 'HTTP 200 (answer did not name 2 records)' },
    ]);
    expect(decodeAcks('bridge', 200, 'not json', 1)).toEqual([{ error: 'HTTP 200 (answer did not name 1 records)' }]);
  });

  it('rest-v3: a stream of one object per record', () => {
    const body = '{"error_code":200,"partition_id":1,"offset":5}\n{"error_code":200,"partition_id":1,"offset":6,"key":{"data":"}{"}}{"error_code":400,"message":"bad"}';
    expect(decodeAcks('rest-v3', 200, body, 3)).toEqual([{ partition: 1, offset: 5 }, { partition: 1, offset: 6 }, { error: 'record error 400' }]);
    expect(() => splitJsonStream('{"a":1} x')).toThrow(SyntaxError);
    expect(() => splitJsonStream('{"a":1')).toThrow(SyntaxError);
  });
});

describe('what the gateway takes', () => {
  const json = 'application/vnd.kafka.json.v2+json; charset=utf-8';
  const status = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return [(error as BadRequest).status, (error as Error).message];
    }
    return undefined;
  };

  it('json: values stored as their JSON, keys as text; partitions kept', () => {
    expect(parseBridgeBody(json, Buffer.from('{"records":[{"key":"a","value":{"x": 1}},{"value":"s","partition":3},{"key":7,"value":null}]}'))).toEqual([
      { key: Buffer.from('a'), value: Buffer.from('{"x":1}') },
      { key: null, value: Buffer.from('"s"'), partition: 3 },
      { key: Buffer.from('7'), value: Buffer.from('null') },
    ]);
  });

  it('headers: base64 values, a key given twice kept twice', () => {
    expect(parseBridgeBody(json, Buffer.from('{"records":[{"value":1,"headers":[{"key":"t","value":"YWJj"},{"key":"t","value":""}]}]}')))
      .toEqual([{ key: null, value: Buffer.from('1'), headers: [{ key: 't', value: Buffer.from('abc') }, { key: 't', value: Buffer.alloc(0) }] }]);
    expect(status(() => parseBridgeBody(json, Buffer.from('{"records":[{"value":1,"headers":{}}]}')))).toEqual([422, 'record 0\'s headers are not a list']);
    expect(status(() => parseBridgeBody(json, Buffer.from('{"records":[{"value":1,"headers":[{"value":"YQ=="}]}]}')))).toEqual([422, 'record 0 has a header without a key']);
    expect(status(() => parseBridgeBody(json, Buffer.from('{"records":[{"value":1,"headers":[{"key":"k","value":"!"}]}]}')))?.[0]).toBe(422);
  });

  it('binary: keys and values base64', () => {
    expect(parseBridgeBody('application/vnd.kafka.binary.v2+json', Buffer.from('{"records":[{"key":"aw==","value":"aGk="}]}')))
      .toEqual([{ key: Buffer.from('k'), value: Buffer.from('hi') }]);
  });

  it('refuses with the status that says why', () => {
    expect(status(() => parseBridgeBody('text/plain', Buffer.from('{}')))?.[0]).toBe(415);
    expect(status(() => parseBridgeBody(undefined, Buffer.from('{}')))?.[1]).toMatch(/not "none"/);
    expect(status(() => parseBridgeBody(json, Buffer.from('{"records":[')))?.[0]).toBe(400);
    expect(status(() => parseBridgeBody(json, Buffer.from('null')))).toEqual([422, 'the body must be {"records":[...]}']);
    expect(status(() => parseBridgeBody(json, Buffer.from('{"records":[]}')))).toEqual([422, 'no records']);
    expect(status(() => parseBridgeBody(json, Buffer.from('{"records":[{"key":"a"}]}')))).toEqual([422, 'record 0 has no value']);
    expect(status(() => parseBridgeBody(json, Buffer.from('{"records":[{"value":1,"partition":-1}]}')))).toEqual([422, 'record 0\'s partition is not a whole number']);
    expect(status(() => parseBridgeBody('application/vnd.kafka.binary.v2+json', Buffer.from('{"records":[{"value":"a"}]}'))))
      .toEqual([422, 'record 0\'s value is not base64 (binary embedded format)']);
  });

  it('orders: an object of orders or a bare array, keyed by order_id (or id)', () => {
    expect(parseOrdersBody(Buffer.from('{"orders":[{"order_id":"o-1","total":5},{"id":9},{"item":"x"}]}'))).toEqual([
      { key: Buffer.from('o-1'), value: Buffer.from('{"order_id":"o-1","total":5}') },
      { key: Buffer.from('9'), value: Buffer.from('{"id":9}') },
      { key: null, value: Buffer.from('{"item":"x"}') },
    ]);
    expect(parseOrdersBody(Buffer.from('[{"order_id":1}]'))).toHaveLength(1);
    expect(status(() => parseOrdersBody(Buffer.from('{"orders":[1]}')))).toEqual([422, 'order 0 is not an object']);
    expect(status(() => parseOrdersBody(Buffer.from('{"order":[]}')))?.[0]).toBe(422);
  });

  it('answers in the bridge\'s shape', () => {
    expect(encodeOffsets([{ partition: 0, offset: 12 }, { partition: 3, error: 'REQUEST_TIMED_OUT' }]))
      .toBe('{"offsets":[{"partition":0,"offset":12},{"partition":3,"error_code":500,"message":"REQUEST_TIMED_OUT"}]}');
    expect(encodeError(413, 'too "big"')).toBe('{"error_code":413,"message":"too \\"big\\""}');
  });
});

describe('accounting per partition', () => {
  const named = (entries: Array<[number, number, number, number]>) => ({ partitions: new Map(entries.map(([p, records, min, max]) => [p, { records, minOffset: min, maxOffset: max }])) });

  it('matches when every partition grew by its records, at the offsets named', () => {
    const accounting = accountingOf(named([[0, 5, 10, 14], [1, 3, 0, 2]]), [10, 0, 7], [15, 3, 7]);
    expect(accounting).toMatchObject({ acknowledgedRecords: 8, brokerOffsetGrowth: 8, match: true });
    expect(accounting.partitions[2]).toEqual({ partition: 2, before: 7, after: 7, acknowledged: 0, minOffset: null, maxOffset: null });
  });

  it('fails on a partition that grew more, on offsets outside the growth even when counts agree, and on a partition the topic lacks', () => {
    expect(accountingOf(named([[0, 5, 10, 14]]), [10, 0], [15, 1]).match).toBe(false);
    expect(accountingOf(named([[0, 5, 9, 13]]), [10], [15]).match).toBe(false);
    expect(accountingOf(named([[0, 5, 10, 14], [4, 1, 0, 0]]), [10], [15]).match).toBe(false);
    expect(accountingOf(named([]), [0], [Number.NaN], 'Connection error').match).toBe(false);
  });
});

const spec: HttpProduceSpec = {
  url: 'http://127.0.0.1:28080', format: 'bridge', valueEncoding: 'json', recordsPerRequest: 100, connections: 8, timeoutMs: 60_000, httpHeaders: {},
  recordHeaders: [], topic: 'orders-http', numRecords: 200_000, throughputRps: -1, workers: 2, partitions: 8, replication: 3, keys: 'none', keyRange: 1024, zipfExponent: 1,
  payload: { kind: 'avro', recordSizeBytes: 250 }, reportingIntervalMs: 5000, ...connection,
};
const latency = (p50Ms: number): LatencySummaryUs => ({
  count: 2000, minUs: 1000, meanUs: p50Ms * 1100, maxUs: p50Ms * 9000, p50Us: p50Ms * 1000, p95Us: p50Ms * 1300, p99Us: p50Ms * 2000, p999Us: p50Ms * 5000, p9999Us: p50Ms * 8000,
});

describe('http-produce report lines, to the byte', () => {
  it('the header', () => {
    expect(formatHttpHeader(spec, { partitions: 8, threads: 2, topicCreated: true, valueMeanBytes: 433.6 })).toBe(
      'http-produce: 200000 records to orders-http (8 partitions, created) through http://127.0.0.1:28080 (bridge, json values of 434 B on average), ' +
      '100 records per request, 8 connections on 2 workers (2 threads), no rate limit');
    expect(formatHttpHeader({ ...spec, numRecords: undefined, durationMs: 30_000, throughputRps: 2000, workers: 1, format: 'orders' },
      { partitions: 3, threads: 1, topicCreated: false, valueMeanBytes: 20 })).toBe(
      'http-produce: records for 30 s to orders-http (3 partitions) through http://127.0.0.1:28080 (orders, orders as JSON of 20 B on average), ' +
      '100 records per request, 8 connections on 1 worker (1 thread), at 2000 records/s');
  });

  it('requests, statuses, partial', () => {
    const result = {
      requests: { count: 2000, perSec: 412.345, bodyBytes: 1 }, requestLatency: latency(18),
      totals: { records: 199_900, payloadBytes: 0, durationMs: 4850.2, recordsPerSec: 0, mbPerSec: 0, failedRecords: 100 }, spec,
    } as Pick<HttpProduceResult, 'requests' | 'requestLatency' | 'totals' | 'spec'>;
    expect(formatRequestsLine(result)).toBe('requests: 2000 sent, 412.3 requests/sec, 100.0 records per request; latency per request: ' +
      '19.80 ms avg, 18.00 ms 50th, 36.00 ms 99th, 90.00 ms 99.9th, 162.00 ms max.');
    expect(formatStatusesLine({ ECONNREFUSED: 2, 503: 10, 200: 1990 })).toBe('statuses: 200 x 1990, 503 x 10, ECONNREFUSED x 2');
    expect(formatStatusesLine({})).toBe('statuses: none (no request was answered)');
    expect(formatPartialLine(result.totals, result.spec.numRecords)).toBe('PARTIAL RUN: stopped after 4.9 s with 199900 records acknowledged of 200000: the figures are of those');
  });

  it('the accounting: one line when it holds, and every partition that disagrees when it does not', () => {
    const partitions: PartitionAccount[] = [
      { partition: 0, before: 0, after: 100, acknowledged: 100, minOffset: 0, maxOffset: 99 },
      { partition: 1, before: 50, after: 160, acknowledged: 100, minOffset: 50, maxOffset: 149 },
      { partition: 2, before: 0, after: 100, acknowledged: 100, minOffset: 5, maxOffset: 104 },
    ];
    expect(formatHttpAccounting({ acknowledgedRecords: 200, brokerOffsetGrowth: 200, partitions: partitions.slice(0, 1), match: true }, 't')).toEqual([
      'accounting: 200 records acknowledged by the proxy with offsets = 200 records added to t (broker offsets, each of 1 partitions exactly, every offset named within its growth): OK',
    ]);
    expect(formatHttpAccounting({ acknowledgedRecords: 300, brokerOffsetGrowth: 310, partitions, match: false }, 't')).toEqual([
      'accounting: MISMATCH: the proxy acknowledged 300 records with offsets but t\'s offsets grew by 310',
      '  partition 1: grew 50 -> 160 (110), 100 acknowledged, offsets named 50-149',
      '  partition 2: grew 0 -> 100 (100), 100 acknowledged, offsets named 5-104',
    ]);
    expect(formatHttpAccounting({ acknowledgedRecords: 3, brokerOffsetGrowth: Number.NaN, partitions, match: false, uncheckedBecause: 'Connection error' }, 't')).toEqual([
      'accounting: NOT CHECKED: 3 records acknowledged by the proxy; t\'s offsets could not be read after the run (Connection error)',
    ]);
  });

  it('the gateway\'s lines', () => {
    const gateway = toGatewaySpec({ port: 28080, host: '127.0.0.1', maxBody: 1048576, bufferMemory: 33554432, linger: 5, batch: 524288, ordersTopic: 'orders' }, connection);
    expect(formatGatewayListening('http://127.0.0.1:28080', gateway)).toBe('gateway listening on http://127.0.0.1:28080: POST /topics/{topic} (Strimzi bridge shape) ' +
      'and /orders/batch (to orders) into 127.0.0.1:9092, acks=all, idempotent; bodies up to 1048576 bytes, 33554432 bytes of records waiting for Kafka at most, ' +
      'linger 5 ms, batches up to 524288 bytes');
    expect(formatGatewayStats({ requests: 12, statuses: { 200: 10, 413: 2 }, recordsAcknowledged: 1000, recordsFailed: 0, bufferedBytes: 0, maxBufferedBytes: 4096, acknowledged: {} }))
      .toBe('gateway stopped: 12 requests, 1000 records acknowledged, 0 not written; statuses: 200 x 10, 413 x 2; at most 4096 bytes waiting for Kafka');
  });
});

describe('http-produce options', () => {
  const flags: HttpProduceFlags = {
    url: 'http://x', format: 'bridge', valueEncoding: 'json', recordsPerRequest: [100], connections: 8, workers: 1, timeout: 60_000, json: false, topic: 't',
    numRecords: 1000, recordSize: 250, payloadDelimiter: '\\n', throughput: -1, partitions: 8, replication: 3, keys: 'none', messageKeyRange: 1024, zipfExponent: 1,
    headers: 0, headerSize: 16, reportingInterval: 5000,
  };
  const none = () => false;

  it('makes the typed spec; the payload is produce\'s', () => {
    const specs = toHttpProduceSpecs(flags, connection, none);
    expect(specs).toHaveLength(1);
    expect(specs[0]).toMatchObject({ numRecords: 1000, recordsPerRequest: 100, payload: { kind: 'avro', recordSizeBytes: 250 }, httpHeaders: {}, recordHeaders: [] });
    expect(toHttpProduceSpecs({ ...flags, header: ['trace=a=b'], headers: 1, headerSize: 4 }, connection, none)[0].recordHeaders)
      .toEqual([{ key: 'trace', value: 'a=b' }, { key: 'header-0', value: expect.stringMatching(/^[a-z]{4}$/) }]);
    expect(errorOf(() => toHttpProduceSpecs({ ...flags, format: 'orders', keys: 'random', headers: 1 }, connection, none)).message).toMatch(/carry no record headers/);
    expect(toHttpProduceSpecs({ ...flags, duration: 5000 }, connection, none)[0]).toMatchObject({ numRecords: undefined, durationMs: 5000 });
    expect(toHttpProduceSpecs({ ...flags, payloadFile: 'f.txt' }, connection, none)[0].payload).toEqual({ kind: 'file', path: 'f.txt', delimiter: '\n' });
  });

  it('several --records-per-request: a point each, on a topic each', () => {
    expect(toHttpProduceSpecs({ ...flags, recordsPerRequest: [1, 10, 100], chart: 'c.svg' }, connection, none).map((s) => [s.recordsPerRequest, s.topic]))
      .toEqual([[1, 't-rpr1'], [10, 't-rpr10'], [100, 't-rpr100']]);
    expect(errorOf(() => toHttpProduceSpecs({ ...flags, chart: 'c.svg' }, connection, none)).message).toBe('--chart draws several --records-per-request side by side; there is one');
    expect(errorOf(() => toHttpProduceSpecs({ ...flags, format: 'orders', keys: 'random', recordsPerRequest: [1, 2] }, connection, none)).message).toMatch(/one topic/);
  });

  it('refuses contradictions by name', () => {
    expect(errorOf(() => toHttpProduceSpecs({ ...flags, workers: 9 }, connection, none)).message).toBe('--workers 9 is more than --connections 8: each worker needs a connection of its own');
    expect(toHttpProduceSpecs({ ...flags, keys: 'zipf', zipfExponent: 2 }, connection, (k) => k === 'zipfExponent')[0].zipfExponent).toBe(2);
    expect(errorOf(() => toHttpProduceSpecs({ ...flags, zipfExponent: 2 }, connection, (k) => k === 'zipfExponent')).message).toMatch(/--zipf-exponent shapes --keys zipf/);
    expect(errorOf(() => toHttpProduceSpecs({ ...flags, format: 'orders', keys: 'random', valueEncoding: 'binary' }, connection, none)).message).toMatch(/--value-encoding binary does not apply/);
    expect(errorOf(() => toHttpProduceSpecs({ ...flags, format: 'rest-v3', url: 'http://x/v3' }, connection, none)).message).toMatch(/--url must end in \/v3\/clusters\/\{cluster_id\}/);
    expect(toHttpProduceSpecs({ ...flags, format: 'rest-v3', url: 'http://x/v3/clusters/c1' }, connection, none)[0].url).toBe('http://x/v3/clusters/c1');
  });

  it('gateway: a batch larger than the buffer could never fill', () => {
    expect(errorOf(() => toGatewaySpec({ port: 1, host: 'h', maxBody: 1, bufferMemory: 1024, linger: 5, batch: 2048, ordersTopic: 'o' }, connection)).message)
      .toBe('--batch 2048 is larger than --buffer-memory 1024: no batch could fill');
  });
});

describe('the request loop', () => {
  it('posts the records in requests of --records-per-request; acknowledged records are measured, failed ones counted by why', async () => {
    let clockUs = 0;
    const posted: string[] = [];
    const answers: PostOutcome[] = [
      { status: 200, body: '{"offsets":[{"partition":0,"offset":0},{"partition":1,"offset":0},{"partition":0,"offset":1}]}' },
      { status: 500, body: '{"offsets":[{"partition":1,"offset":1},{"partition":1,"error_code":500,"message":"x"},{"partition":0,"offset":2}]}' },
      { error: 'ECONNRESET' },
      { status: 200, body: '{"offsets":[{"partition":1,"offset":2}]}' },
    ];
    const pacer = new Pacer(-1, 10);
    const meter = new ProduceMeter({ warmupRecords: 0, pacer });
    const requests = new RequestMeter();
    let acknowledged = 0;
    const loop = new RequestLoop({
      request: { ...spec, recordsPerRequest: 3 }, path: '/topics/t', total: 10, connections: 1, pacer, meter, requests,
      post: async (_path, body) => { posted.push(body); clockUs += 1000; return answers[posted.length - 1]; },
      record: (i) => ({ key: null, valueField: String(i) }), valueBytes: () => 10, stopping: () => false, woken: async () => undefined,
      onAcknowledged: (n) => { acknowledged += n; }, nowUs: () => clockUs,
    });
    await loop.run();
    expect(posted).toEqual(['{"records":[{"value":0},{"value":1},{"value":2}]}', '{"records":[{"value":3},{"value":4},{"value":5}]}',
      '{"records":[{"value":6},{"value":7},{"value":8}]}', '{"records":[{"value":9}]}']);
    expect(acknowledged).toBe(6);
    const figures = meter.take();
    expect(figures).toMatchObject({ records: 6, payloadBytes: 60, errors: { 'record error 500': 1, ECONNRESET: 3 } });
    expect(decodeHistogram(figures.histogram).totalCount).toBe(6);
    const http = requests.take();
    expect(http).toMatchObject({ requests: 4, statuses: { 200: 2, 500: 1, ECONNRESET: 1 } });
    expect(http.partitions.sort((a, b) => a[0] - b[0])).toEqual([[0, 3, 0, 2], [1, 3, 0, 2]]);
    expect(decodeHistogram(http.requestHistogram).totalCount).toBe(4);
  });
});

describe('the batching table and chart', () => {
  const point = (recordsPerRequest: number, recordsPerSec: number, p50Ms: number, match = true) => ({
    spec: { ...spec, recordsPerRequest, connections: 1 }, totals: { recordsPerSec }, requests: { perSec: recordsPerSec / recordsPerRequest },
    requestLatency: latency(p50Ms), recordLatency: latency(p50Ms),
    accounting: { match, acknowledgedRecords: recordsPerSec * 20, brokerOffsetGrowth: recordsPerSec * 20 },
  }) as unknown as HttpProduceResult;

  it('a row per request size, the seed\'s figures beside, and the speed-up against the first', () => {
    expect(formatBatchingTable([point(1, 29.6, 22.4), point(10, 423, 18.9), point(100, 4554, 18, false)])).toEqual([
      '| records per request | records/s | requests/s | request p50 / p99 ms | record p50 / p99 ms | acknowledged = stored | seed 003 (its machine) |',
      '|---:|---:|---:|---:|---:|---:|---|',
      '| 1 | 30 | 30 | 22.4 / 44.8 | 22.4 / 44.8 | 592 = 592 | ~100 events/s |',
      '| 10 | 423 | 42 | 18.9 / 37.8 | 18.9 / 37.8 | 8,460 = 8,460 |  |',
      '| 100 | 4,554 | 46 | 18.0 / 36.0 | 18.0 / 36.0 | MISMATCH | ~1,000-2,500 events/s, 80-150 ms per batch |',
      'records/s against 1 per request: 10 per request: 14.3x, 100 per request: 153.9x (seed 003: 10x from 1 to 100)',
    ]);
  });

  it('the chart: our bars, the seed\'s in grey where it has a figure', () => {
    const svg = batchingChart([point(1, 29.6, 22.4), point(10, 423, 18.9), point(100, 4554, 18)]);
    expect(svg).toContain('<title>Records/s by records per request (bridge, 1 connection)</title>');
    expect(svg.match(/class="bar"/g)).toHaveLength(3);
    expect(svg.match(/class="reference-bar"/g)).toHaveLength(2);
    expect(svg).toContain('seed 003 (its machine)');
  });
});
