import { performance } from 'node:perf_hooks';
import type { WorkerSummary } from '../src/engine/worker-protocol.js';
import { epochMs } from '../src/shared/clock.js';
import { ProxyClient } from '../src/http-ingest/proxy-client.js';
import { requestContentType, requestPath } from '../src/http-ingest/formats.js';
import { RequestLoop, RequestMeter, type HttpWorkerTask } from '../src/http-ingest/request-loop.js';
import { ProduceMeter } from '../src/produce/meter.js';
import { Pacer } from '../src/produce/pacer.js';
import { KeyPicker, keyText, runRecordNumber } from '../src/produce/record-placer.js';
import { valueViews } from '../src/produce/shared-values.js';
import { WorkerControl } from './worker-control.js';

const nowUs = () => performance.now() * 1000;

/**
 * One worker of an http-produce run: its assignment's records posted over its own pool of keep-alive
 * connections; figures go to the main thread on request, as a produce worker's do (the same protocol).
 */
export default async function httpProduceWorker(task: HttpWorkerTask): Promise<WorkerSummary> {
  const { workerId, request, sequence } = task;
  const url = new URL(request.url);
  const client = new ProxyClient(url.origin, task.connections, request.timeoutMs, {
    ...request.httpHeaders, 'content-type': requestContentType(request.format, request.valueEncoding),
  });
  const values = valueViews(task.values).map((view) => view.toString('utf8'));
  // The proxy places records: the picker's partitions (of one) are not used.
  const picker = new KeyPicker({ keyMode: task.keys.keys, keyRange: task.keys.keyRange, zipfExponent: task.keys.zipfExponent, partitions: 1 });
  const keys = picker.keys.map((key) => key.toString());
  const keyOf = (index: number): string | null => {
    if (task.keys.keys === 'sequential') return keyText(runRecordNumber(index, sequence));
    const rank = picker.keyIndexOf(index);
    return rank < 0 ? null : keys[rank];
  };
  const pacer = new Pacer(task.rate, task.records ?? Infinity);
  const meter = new ProduceMeter({ warmupRecords: 0, pacer });
  const requests = new RequestMeter();
  const control = new WorkerControl(task.port, workerId, () => ({ ...meter.take(), http: requests.take() }));
  const acknowledged = new BigInt64Array(task.acknowledged);
  let acknowledgedRecords = 0;
  await control.ready();
  const firstSendAtMs = epochMs();
  const loop = new RequestLoop({
    request, path: requestPath(request.format, url.pathname, request.topic), total: task.records ?? Infinity, connections: task.connections,
    pacer, meter, requests, post: (path, body) => client.post(path, body),
    record: (index) => ({ key: keyOf(index), valueField: values[index % values.length] }),
    valueBytes: (index) => task.valueBytes[index % task.valueBytes.length],
    stopping: () => control.stopping, woken: (ms) => control.woken(ms),
    onAcknowledged: (records) => {
      acknowledgedRecords += records;
      Atomics.add(acknowledged, workerId, BigInt(records));
    },
    nowUs,
  });
  try {
    await loop.run();
  } finally {
    await client.close();
  }
  const last = { ...meter.take(), http: requests.take() };
  control.close();
  const lastAckAtMs = loop.lastAnswerUs > 0 ? performance.timeOrigin + loop.lastAnswerUs / 1000 : firstSendAtMs;
  return {
    workerId, last, wireBytes: loop.bodyBytes, requests: loop.requestsSent, failedRequests: loop.requestsFailed, firstSendAtMs, lastAckAtMs, bufferWaitMs: 0, batchLimitEndBytes: 0,
    acknowledgedPerTopic: [acknowledgedRecords],
  };
}
