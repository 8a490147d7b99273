import { InvalidArgumentError } from 'commander';
import { HTTP_FORMATS, VALUE_ENCODINGS, type HttpFormat, type ValueEncoding } from '../http-ingest/formats.js';
import { checkTopicName } from '../kafka/topic.js';
import type { ClientSecurity } from '../security/client-security.js';
import { DataStormError } from '../shared/errors.js';
import type { OptionSpec } from './option-spec.js';
import { parseBaseUrl, parseChoice, parseDurationMs, parseHttpHeader, parseIntegerOption, parseSize } from './parse.js';
import { checkRatePerWorker, headersOf, payloadOf, PRODUCE_OPTIONS, type ProduceFlags } from './produce-options.js';
import type { HttpProduceSpec } from '../http-ingest/http-spec.js';
import type { GatewaySpec } from '../gateway/gateway-spec.js';

/** produce's own options that mean the same here: the records, their values and keys, the rate and the topic. */
const SHARED_WITH_PRODUCE = [
  'topic', 'numRecords', 'duration', 'recordSize', 'payloadFile', 'payloadDelimiter', 'schema', 'throughput', 'partitions', 'replication',
  'keys', 'messageKeyRange', 'zipfExponent', 'header', 'headers', 'headerSize', 'reportingInterval',
] as const;

export const HTTP_PRODUCE_OPTIONS: Record<string, OptionSpec> = {
  url: { flags: '--url <url>', description: 'the proxy\'s base URL: records go to {url}/topics/{topic} (bridge, rest-v2), {url}/topics/{topic}/records (rest-v3: a URL ending in /v3/clusters/{cluster_id}) or {url}/orders/batch (orders)',
    parse: parseBaseUrl('--url') },
  format: { flags: '--format <format>', description: 'the request shape: bridge (Strimzi Kafka Bridge), rest-v2 or rest-v3 (Confluent REST Proxy), or orders (seed 003\'s POST /orders/batch, as datastorm gateway takes it)',
    defaultValue: 'bridge', parse: parseChoice('--format', HTTP_FORMATS) },
  valueEncoding: { flags: '--value-encoding <encoding>', description: 'json: each value goes as JSON (an Avro value as its JSON form, a text value as a JSON string; Kafka stores the JSON); binary: its bytes go base64 (application/vnd.kafka.binary.v2+json) and Kafka stores them as they are',
    defaultValue: 'json', parse: parseChoice('--value-encoding', VALUE_ENCODINGS) },
  recordsPerRequest: { flags: '--records-per-request <n,...>', description: 'records in each request body; several (1,10,100) run one point each, one after the other, on topics <topic>-rpr<n>, and print a table of them (seed 003\'s batching table)',
    defaultValue: [100], defaultDescription: '100', parse: parseRecordsPerRequest },
  connections: { flags: '--connections <n>', description: 'keep-alive connections, all workers together; each carries one request at a time (undici\'s pool)', defaultValue: 8,
    parse: parseIntegerOption('--connections', 1, 10_000) },
  workers: { flags: '--workers <n>', description: 'worker threads, each posting over its share of --connections', defaultValue: 1,
    parse: parseIntegerOption('--workers', 1, 64) },
  timeout: { flags: '--timeout <time>', description: 'a request without its whole answer this long fails (its records count as failed, not acknowledged)', defaultValue: 60_000,
    defaultDescription: '60s', parse: (v: string) => parseDurationMs('--timeout', v) },
  httpHeader: { flags: '--http-header <name:value>', description: 'an HTTP header sent with every request, e.g. "Authorization: Bearer ..." (repeat for more; values never printed)', parse: parseHttpHeader('--http-header', '--format and --value-encoding set it') },
  ...Object.fromEntries(SHARED_WITH_PRODUCE.map((key) => [key, PRODUCE_OPTIONS[key]])),
  chart: { flags: '--chart <file.svg>', description: 'with several --records-per-request: write the chart of records/s per request size, seed 003\'s figures beside (SVG)' },
  json: { flags: '--json', description: 'print the whole result as JSON on stdout (the report goes to stderr); with several --records-per-request, an array of them', defaultValue: false },
};

export const GATEWAY_OPTIONS: Record<string, OptionSpec> = {
  port: { flags: '--port <port>', description: 'TCP port to listen on (0: any free port, printed)', defaultValue: 8080, parse: parseIntegerOption('--port', 0, 65_535) },
  host: { flags: '--host <address>', description: 'address to listen on', defaultValue: '127.0.0.1' },
  maxBody: { flags: '--max-body <bytes>', description: 'largest request body taken; a larger one is answered 413 without being read', defaultValue: 1024 * 1024,
    defaultDescription: '1MB', parse: (v: string) => parseSize('--max-body', v) },
  bufferMemory: { flags: '--buffer-memory <bytes>', description: 'record bytes taken and not yet acknowledged by Kafka, at most: a request that would go beyond is answered 503 with Retry-After',
    defaultValue: 32 * 1024 * 1024, defaultDescription: '32MB', parse: (v: string) => parseSize('--buffer-memory', v) },
  linger: { flags: '--linger <ms>', description: 'a partition\'s records wait at most this long for others (of any request) to be sent with', defaultValue: 5,
    parse: parseIntegerOption('--linger', 0, 60_000) },
  batch: { flags: '--batch <bytes>', description: 'the most record bytes of one send to a partition; a partition sends at once when it has this much waiting', defaultValue: 512 * 1024,
    defaultDescription: '512KB', parse: (v: string) => parseSize('--batch', v) },
  ordersTopic: { flags: '--orders-topic <name>', description: 'the topic of POST /orders/batch (seed 003\'s preset)', defaultValue: 'orders', parse: checkTopicName },
};

export interface HttpProduceFlags extends Pick<ProduceFlags, (typeof SHARED_WITH_PRODUCE)[number]> {
  url: string; format: HttpFormat; valueEncoding: ValueEncoding; recordsPerRequest: number[]; connections: number; workers: number; timeout: number;
  httpHeader?: Record<string, string>; chart?: string; json: boolean;
}

/** '1,10,100': request sizes, each once. */
function parseRecordsPerRequest(value: string): number[] {
  const sizes = value.split(',').map((part) => parseIntegerOption('--records-per-request', 1, 100_000)(part.trim()));
  const repeated = sizes.find((size, i) => sizes.indexOf(size) !== i);
  if (repeated !== undefined) throw new InvalidArgumentError(`--records-per-request lists ${repeated} twice`);
  return sizes;
}

export interface GatewayFlags {
  port: number; host: string; maxBody: number; bufferMemory: number; linger: number; batch: number; ordersTopic: string;
}

/**
 * The typed http-produce runs from parsed flags, one per --records-per-request value (each on its own topic when
 * there are several); rules across options are checked here, before any work.
 */
export function toHttpProduceSpecs(flags: HttpProduceFlags, connection: { bootstrap: string[]; security: ClientSecurity },
  typed: (key: keyof HttpProduceFlags) => boolean): HttpProduceSpec[] {
  const sizes = flags.recordsPerRequest;
  if (flags.chart !== undefined && sizes.length < 2) {
    throw new DataStormError('DS_BAD_OPTION', '--chart draws several --records-per-request side by side; there is one', { hint: 'e.g. --records-per-request 1,10,100' });
  }
  if (sizes.length > 1 && flags.format === 'orders') {
    throw new DataStormError('DS_BAD_OPTION', '--format orders posts to one topic (the gateway\'s --orders-topic): several --records-per-request would share it', {
      hint: 'run one size at a time',
    });
  }
  const spec = toHttpProduceSpec(flags, connection, typed);
  if (sizes.length === 1) return [{ ...spec, recordsPerRequest: sizes[0] }];
  return sizes.map((size) => ({ ...spec, recordsPerRequest: size, topic: checkTopicName(`${spec.topic}-rpr${size}`) }));
}

function toHttpProduceSpec(flags: HttpProduceFlags, connection: { bootstrap: string[]; security: ClientSecurity },
  typed: (key: keyof HttpProduceFlags) => boolean): HttpProduceSpec {
  checkRatePerWorker(flags.throughput, flags.workers);
  if (typed('duration') && typed('numRecords')) {
    throw new DataStormError('DS_BAD_OPTION', '--num-records and --duration exclude each other', { hint: 'give one of them' });
  }
  if (flags.payloadFile && (typed('recordSize') || flags.schema)) throw new DataStormError('DS_BAD_OPTION', '--payload-file excludes --record-size and --schema');
  if (flags.schema && typed('recordSize')) {
    throw new DataStormError('DS_BAD_OPTION', '--record-size sizes the default schema\'s events; a --schema\'s values are the size the schema makes them');
  }
  if (typed('payloadDelimiter') && !flags.payloadFile) throw new DataStormError('DS_BAD_OPTION', '--payload-delimiter splits a --payload-file; there is none');
  if (typed('messageKeyRange') && (flags.keys === 'none' || flags.keys === 'sequential')) {
    throw new DataStormError('DS_BAD_OPTION', `--message-key-range sets how many keys round-robin, random and zipf draw from; the keys are ${flags.keys}`);
  }
  if (typed('zipfExponent') && flags.keys !== 'zipf') {
    throw new DataStormError('DS_BAD_OPTION', `--zipf-exponent shapes --keys zipf; the keys are ${flags.keys}`, { hint: 'add --keys zipf' });
  }
  if (flags.workers > flags.connections) {
    throw new DataStormError('DS_BAD_OPTION', `--workers ${flags.workers} is more than --connections ${flags.connections}: each worker needs a connection of its own`);
  }
  if (flags.format === 'rest-v3' && !/\/v3\/clusters\/[^/]+$/.test(new URL(flags.url).pathname)) {
    throw new DataStormError('DS_BAD_OPTION', `--format rest-v3 posts to {url}/topics/{topic}/records: --url must end in /v3/clusters/{cluster_id}, not ${flags.url}`);
  }
  if (flags.format === 'orders' && flags.valueEncoding === 'binary') {
    throw new DataStormError('DS_BAD_OPTION', '--format orders posts orders as JSON objects: --value-encoding binary does not apply', { hint: 'leave out --value-encoding' });
  }
  const recordHeaders = headersOf(flags, typed);
  if (flags.format === 'orders' && recordHeaders.length > 0) {
    throw new DataStormError('DS_BAD_OPTION', '--format orders posts orders as JSON objects, which carry no record headers: --header and --headers do not apply');
  }
  if (flags.format === 'orders' && flags.keys === 'none') {
    throw new DataStormError('DS_BAD_OPTION', '--format orders keys each order by its order_id: give --keys round-robin, random, zipf or sequential');
  }
  return {
    url: flags.url, format: flags.format, valueEncoding: flags.valueEncoding, recordsPerRequest: flags.recordsPerRequest[0], connections: flags.connections,
    timeoutMs: flags.timeout, httpHeaders: flags.httpHeader ?? {}, recordHeaders, topic: flags.topic,
    numRecords: flags.duration === undefined ? flags.numRecords : undefined, durationMs: flags.duration,
    throughputRps: flags.throughput, workers: flags.workers, partitions: flags.partitions, replication: flags.replication, keys: flags.keys,
    keyRange: flags.messageKeyRange, zipfExponent: flags.zipfExponent, payload: payloadOf({ ...flags, payloadMonotonic: false, serializeOnSend: false }),
    reportingIntervalMs: flags.reportingInterval, ...connection,
  };
}

export function toGatewaySpec(flags: GatewayFlags, connection: { bootstrap: string[]; security: ClientSecurity }): GatewaySpec {
  if (flags.batch > flags.bufferMemory) {
    throw new DataStormError('DS_BAD_OPTION', `--batch ${flags.batch} is larger than --buffer-memory ${flags.bufferMemory}: no batch could fill`);
  }
  return {
    host: flags.host, port: flags.port, maxBodyBytes: flags.maxBody, bufferBytes: flags.bufferMemory, lingerMs: flags.linger, batchBytes: flags.batch,
    ordersTopic: flags.ordersTopic, ...connection,
  };
}
