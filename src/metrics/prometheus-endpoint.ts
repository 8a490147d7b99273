import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { DataStormError } from '../shared/errors.js';
import { createHistogram, summarizeLatency, type Histogram } from '../shared/histograms.js';

/** What a produce run has measured so far, read at each scrape; per worker, in worker order (workerId 0, 1, ...). */
export interface LiveFigures {
  /** Records acknowledged by each worker, read from the workers' shared counters at the scrape. */
  acknowledgedRecords(): number[];
  /** Each worker's produce requests in flight, and bytes of batch buffers holding records not yet acknowledged (its gauges, up to 200 ms old). */
  inFlightRequests(): number[];
  bufferedBytes(): number[];
  /** The merged figures of the reporting intervals so far (they lag the workers by up to one interval). */
  merged(): { records: number; payloadBytes: number; errors: Record<string, number>; latency: Histogram };
}

/** Before the workers start: nothing measured yet. */
const NOTHING_YET: LiveFigures = {
  acknowledgedRecords: () => [],
  inFlightRequests: () => [],
  bufferedBytes: () => [],
  merged: () => ({ records: 0, payloadBytes: 0, errors: {}, latency: createHistogram() }),
};

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

const QUANTILES: Array<[string, keyof ReturnType<typeof summarizeLatency>]> = [['0.5', 'p50Us'], ['0.95', 'p95Us'], ['0.99', 'p99Us'], ['0.999', 'p999Us']];

/**
 * The registry of a run's metrics, each set when scraped from the run's figures (none before it starts): the run's,
 * all workers together, and the live ones of each worker too (`datastorm_worker_*`, label `worker`: its workerId).
 * docs/grafana/datastorm.json charts them; its test checks every name it queries is served here.
 */
export function runRegistry(figures: () => LiveFigures | undefined): Registry {
  const registry = new Registry();
  const live = (): LiveFigures => figures() ?? NOTHING_YET;
  const setTo = (metric: Counter | Gauge, value: number, labels: Record<string, string> = {}) => {
    if (metric instanceof Counter) metric.inc(labels, value);
    else metric.set(labels, value);
  };
  /** A figure of each worker, all together (`name`) and by worker (`datastorm_worker_` + the rest of it). */
  const perWorker = (Metric: typeof Counter | typeof Gauge, name: string, help: string, figure: (figures: LiveFigures) => number[]) => {
    new Metric({ name, help: `${help}, all workers together.`, registers: [registry], collect() {
      this.reset();
      setTo(this, sum(figure(live())));
    } });
    new Metric({ name: name.replace(/^datastorm_/, 'datastorm_worker_'), help: `${help}, by worker.`, labelNames: ['worker'], registers: [registry], collect() {
      this.reset();
      figure(live()).forEach((value, workerId) => setTo(this, value, { worker: String(workerId) }));
    } });
  };
  perWorker(Counter, 'datastorm_records_acknowledged_total', 'Records the brokers acknowledged (live)', (figures) => figures.acknowledgedRecords());
  new Counter({
    name: 'datastorm_payload_bytes_acknowledged_total', help: 'Bytes of values acknowledged, as of the last reporting interval.', registers: [registry],
    collect() { this.reset(); setTo(this, live().merged().payloadBytes); },
  });
  new Counter({
    name: 'datastorm_records_failed_total', help: 'Records that failed, by error type, as of the last reporting interval.', labelNames: ['type'], registers: [registry],
    collect() {
      this.reset();
      for (const [type, count] of Object.entries(live().merged().errors)) setTo(this, count, { type });
    },
  });
  new Gauge({
    name: 'datastorm_latency_seconds', help: 'Send-to-acknowledgement latency per record since the start, merged over workers (HDR), by quantile.',
    labelNames: ['quantile'], registers: [registry],
    collect() {
      const summary = summarizeLatency(live().merged().latency);
      for (const [quantile, key] of QUANTILES) setTo(this, summary[key] / 1e6, { quantile });
    },
  });
  perWorker(Gauge, 'datastorm_requests_in_flight', 'Produce requests sent and not yet answered', (figures) => figures.inFlightRequests());
  perWorker(Gauge, 'datastorm_buffered_bytes', 'Bytes of batch buffers holding records not yet acknowledged (buffer.memory in use)',
    (figures) => figures.bufferedBytes());
  new Gauge({
    name: 'datastorm_latency_max_seconds', help: 'The longest send-to-acknowledgement latency since the start.', registers: [registry],
    collect() { setTo(this, summarizeLatency(live().merged().latency).maxUs / 1e6); },
  });
  return registry;
}

/** Serves `registry` as Prometheus text on GET /metrics, on every address of the machine (Prometheus scrapes from elsewhere). */
export async function serveMetrics(registry: Registry, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end('GET /metrics\n');
      return;
    }
    registry.metrics().then((text) => response.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (error: Error) => response.writeHead(500).end(`${error.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new DataStormError('DS_CANNOT_LISTEN',
      `cannot serve metrics on port ${port}: ${error.code === 'EADDRINUSE' ? 'it is in use' : error.message}`, { hint: 'give --metrics-port a free port' })));
    server.listen(port, () => resolve());
  });
  return server;
}
