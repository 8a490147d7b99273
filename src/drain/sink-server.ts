import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SinkSpec } from './drain-spec.js';
import { DataStormError } from '../shared/errors.js';
import { sleepUntil } from '../shared/sleep.js';
import { sampleLatencyMs } from './latency-model.js';
import { SinkLedger, type PartitionStats, type SinkCounts } from './sink-ledger.js';
import { decodeBatchV2, type SinkRecord } from './sink-request.js';

/**
 * `datastorm sink`: an HTTP service to drain into, for benchmarks and tests. It answers a call after its latency,
 * serving at most maxConcurrency calls at once (the rest queue, as in a real service's worker pool), fails a
 * share of them, and checks what it acknowledges (src/drain/sink-ledger.ts). GET /stats (?topic=T for one topic)
 * serves the counts as JSON.
 */
export interface SinkStats extends SinkCounts {
  /** Calls received, answered or not yet. */
  calls: number;
  /** Calls answered with --fail-status on purpose. */
  failedCalls: number;
  /** Calls that could not be read (bad path or body), answered 400. */
  badCalls: number;
  inService: number;
  queued: number;
  maxQueued: number;
  partitions: PartitionStats[];
}

export interface RunningSink {
  url: string;
  stats(topic?: string): SinkStats;
  close(): Promise<void>;
}

export async function startSink(spec: SinkSpec, random: () => number = Math.random): Promise<RunningSink> {
  const ledger = new SinkLedger();
  const counters = { calls: 0, failedCalls: 0, badCalls: 0, inService: 0, maxQueued: 0 };
  const queue: Array<() => void> = [];

  const stats = (topic?: string): SinkStats => ({
    ...ledger.counts(topic), calls: counters.calls, failedCalls: counters.failedCalls, badCalls: counters.badCalls,
    inService: counters.inService, queued: queue.length, maxQueued: counters.maxQueued, partitions: ledger.partitionStats(topic),
  });

  /** A place among the calls served at once: at once when there is one, else in FIFO order. */
  const admitted = (): Promise<void> => {
    if (spec.maxConcurrency === 0 || counters.inService < spec.maxConcurrency) {
      counters.inService += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      queue.push(() => { counters.inService += 1; resolve(); });
      counters.maxQueued = Math.max(counters.maxQueued, queue.length);
    });
  };
  const release = () => {
    counters.inService -= 1;
    queue.shift()?.();
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://sink');
    if (request.method === 'GET' && url.pathname === '/stats') {
      respond(response, 200, JSON.stringify(stats(url.searchParams.get('topic') ?? undefined)), 'application/json');
      return;
    }
    counters.calls += 1;
    const body = await readBody(request);
    let call: { topic: string; records: SinkRecord[] };
    try {
      call = readCall(url.pathname, body);
    } catch (error) {
      counters.badCalls += 1;
      respond(response, 400, `${(error as Error).message}\n`);
      return;
    }
    await admitted();
    try {
      await sleepUntil(Date.now() + sampleLatencyMs(spec.latency, random));
      if (spec.errorRate > 0 && random() < spec.errorRate) {
        counters.failedCalls += 1;
        respond(response, spec.failStatus, 'failed on purpose (--error-rate)\n');
        return;
      }
      for (const r of call.records) ledger.acknowledge(call.topic, r.partition, r.key === null ? null : r.key.toString('utf8'), r.offset);
      respond(response, 200, '');
    } finally {
      release();
    }
  };

  const server: Server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) respond(response, 500, `${(error as Error).message}\n`);
    });
  });
  // Drain keeps a connection per lane open: no limit on them, none closed for being idle a few seconds.
  server.headersTimeout = 120_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new DataStormError('DS_CANNOT_LISTEN', `cannot listen on ${spec.host}:${spec.port}: ${error.code ?? error.message}`, {
      hint: 'choose another --port', cause: error,
    })));
    server.listen(spec.port, spec.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${port}`,
    stats,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function respond(response: ServerResponse, status: number, body: string, contentType = 'text/plain'): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** A single record's path /{topic}/{partition}/{key}/{offset}, or a v2 batch's /{topic} with its body. */
function readCall(pathname: string, body: Buffer): { topic: string; records: SinkRecord[] } {
  const parts = pathname.split('/').slice(1);
  if (parts.length === 1 && parts[0] !== '') return { topic: decodeURIComponent(parts[0]), records: decodeBatchV2(body) };
  if (parts.length !== 4) throw new Error(`expected /{topic}/{partition}/{key}/{offset} or /{topic} with a v2 batch body, not ${pathname}`);
  const [topic, partition, key, offset] = parts;
  if (!/^\d+$/.test(partition) || !/^\d+$/.test(offset)) throw new Error(`partition and offset must be whole numbers in ${pathname}`);
  return {
    topic: decodeURIComponent(topic),
    records: [{ partition: Number(partition), offset: Number(offset), key: key === '' ? null : Buffer.from(decodeURIComponent(key)), value: body }],
  };
}
