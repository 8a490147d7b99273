import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { startGateway } from '../gateway/gateway.js';
import { formatGatewayListening, formatGatewayStats } from '../gateway/gateway-report.js';
import { batchingChart, formatBatchingTable } from '../http-ingest/batching-sweep.js';
import { prepareValues, runHttpProduceSeries, verdictOfHttp, type HttpProduceResult } from '../http-ingest/http-produce.js';
import {
  formatHttpAccounting, formatHttpHeader, formatRequestsLine, formatStatusesLine,
} from '../http-ingest/http-report.js';
import { formatErrorsLine, formatIntendedLatencyLine, formatPartialLine, formatProduceProgress, formatSummaryLine, formatWindowLine } from '../report/produce-report.js';
import {
  GATEWAY_OPTIONS, HTTP_PRODUCE_OPTIONS, toGatewaySpec, toHttpProduceSpecs, type GatewayFlags, type HttpProduceFlags,
} from '../run-spec/http-options.js';
import { addOptionTable } from '../run-spec/option-spec.js';
import { INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { addConnectionOptions, connectionOf, type ConnectionFlags } from '../run-spec/consume-options.js';
import { interruptible } from './interrupt.js';
import { writablePath } from './output-path.js';
import { ProgressLine } from './progress-line.js';

/** `datastorm http-produce` (records through an HTTP proxy into Kafka, reconciled) and `datastorm gateway` (such a proxy). */

const stderr = (line: string) => process.stderr.write(`${line}\n`);
const stdout = (line: string) => process.stdout.write(`${line}\n`);


export function httpProduceCommand(): Command {
  const command = new Command('http-produce')
    .description('post records to Kafka through an HTTP proxy (Strimzi bridge, Confluent REST Proxy v2/v3, datastorm gateway) and reconcile what it acknowledged with the broker')
    .addHelpText('after', `
Worker threads post --records-per-request records a request over --connections keep-alive connections (one
request at a time each). Every answer is read: a record the proxy acknowledged with a partition and offset counts
as acknowledged; any other (a non-2xx answer, a record with error_code, a network error or --timeout) counts as
failed, by why. After the run the topic's end offsets are read again: each partition must have grown by exactly
the records acknowledged in it, at the offsets the proxy named; a mismatch prints every partition that disagrees
and exits 1. Failed records exit 1 too. The cluster (--bootstrap-server) is where the topic is created if missing
and its offsets read; the proxy must write to the same cluster. Under --throughput a request leaves when its last
record is due, and each record's latency is also measured from when it was due (coordinated omission corrected).
Ctrl-C stops sending, waits for the answers in flight, prints the partial report and exits 130.

Examples:
  datastorm gateway --port 28080 --bootstrap-server 127.0.0.1:9092
  datastorm http-produce --url http://127.0.0.1:28080 --topic orders-http --num-records 200000 --records-per-request 100 --bootstrap-server 127.0.0.1:9092
  datastorm http-produce --url http://127.0.0.1:28080 --topic orders-http --records-per-request 1 --connections 16 --duration 30s --throughput 2000
  datastorm http-produce --url http://127.0.0.1:28080 --format orders --keys round-robin --topic orders --num-records 10000
  datastorm http-produce --url http://127.0.0.1:28080 --topic batching --records-per-request 1,10,100 --duration 30s --chart batching.svg`);
  addOptionTable(command, HTTP_PRODUCE_OPTIONS, ['url']);
  addConnectionOptions(command);
  command.action(async (flags: HttpProduceFlags & ConnectionFlags) => {
    const specs = toHttpProduceSpecs(flags, connectionOf(flags), (key) => command.getOptionValueSource(key) === 'cli');
    const chartFile = flags.chart === undefined ? undefined : writablePath(flags.chart, '--chart', 'file');
    // Values are built (and a bad schema or payload file refused) before any cluster is touched; every point sends the same.
    const prepared = prepareValues(specs[0]);
    const progress = new ProgressLine();
    const out = flags.json ? stderr : stdout;
    const { value: results, interrupted } = await interruptible('stopping the requests, waiting for the answers in flight and printing the partial report',
      (signal) => runHttpProduceSeries(specs, prepared, signal, (spec) => ({
        log: (line) => progress.print(line, stderr),
        onStart: (start) => progress.print(formatHttpHeader(spec, start), stderr),
        onInterval: (interval) => progress.print(formatWindowLine(interval), out),
        onProgress: (acknowledged, elapsedMs) => progress.show(formatProduceProgress(acknowledged, elapsedMs, spec)),
        onDone: (result) => {
          progress.clear();
          printRun(result, out);
        },
      })));
    if (specs.length > 1) {
      for (const line of formatBatchingTable(results)) out(line);
      if (chartFile && results.length > 0) {
        writeFileSync(chartFile, batchingChart(results));
        stderr(`chart of records/s per request size written to ${chartFile}`);
      }
    }
    if (flags.json) stdout(JSON.stringify(specs.length > 1 ? results : results[0], null, 2)); // bin/datastorm.js waits for it to be written
    // Stopped by Ctrl-C: the partial report stands (its accounting line says what held), and the exit is 130, as produce's.
    if (interrupted) {
      process.exitCode = INTERRUPTED_EXIT_CODE;
      return;
    }
    const verdict = results.map(verdictOfHttp).find((v) => v !== undefined);
    if (verdict) throw verdict;
  });
  return command;
}

/** One run's report: Kafka's summary line (stdout, or stderr beside --json), then requests, answers and accounting on stderr. */
function printRun(result: HttpProduceResult, out: (line: string) => void): void {
  if (result.partial) stderr(formatPartialLine(result.totals, result.spec.numRecords));
  out(formatSummaryLine(result.totals, result.recordLatency));
  stderr(formatRequestsLine(result));
  if (result.intendedLatency) stderr(formatIntendedLatencyLine(result.intendedLatency));
  stderr(formatStatusesLine(result.statuses));
  stderr(formatErrorsLine(result.errors));
  for (const line of formatHttpAccounting(result.accounting, result.spec.topic)) stderr(line);
}

export function gatewayCommand(): Command {
  const command = new Command('gateway')
    .description('an HTTP-to-Kafka service in the Strimzi bridge\'s shape (and seed 003\'s POST /orders/batch), to load with http-produce')
    .addHelpText('after', `
POST /topics/{topic} takes {"records":[{"key":..,"value":..,"partition":..}]} as application/vnd.kafka.json.v2+json
(values stored as their JSON) or application/vnd.kafka.binary.v2+json (keys and values base64) and answers
{"offsets":[{"partition":P,"offset":O}]}, one per record, once Kafka acknowledged them (acks=all, idempotent).
POST /orders/batch takes {"orders":[{"order_id":..,...}]} (or an array of orders) into --orders-topic, each order
keyed by its order_id. Records of all requests are sent together per partition (--linger, --batch). A record
Kafka did not take is answered with error_code 500 in place of its offset (the request's status is then 500).
Refused: a body beyond --max-body (413), unreadable JSON (400), a wrong Content-Type (415), records that are not
records or a partition that does not exist (422), an unknown topic (404), and while more than --buffer-memory of
records wait for Kafka, every request (503 with Retry-After: 1). GET /stats serves its counts as JSON.
Ctrl-C or SIGTERM stops taking requests, answers those it took once Kafka acknowledged them, prints its counts
and exits 0.

Example:
  datastorm gateway --port 28080 --bootstrap-server 127.0.0.1:9092 --max-body 1MB --buffer-memory 32MB`);
  addOptionTable(command, GATEWAY_OPTIONS, []);
  addConnectionOptions(command);
  command.option('--json', 'print the counts as JSON on stdout when stopped', false);
  command.action(async (flags: GatewayFlags & ConnectionFlags & { json: boolean }) => {
    const spec = toGatewaySpec(flags, connectionOf(flags));
    const gateway = await startGateway(spec);
    stderr(formatGatewayListening(gateway.url, spec));
    // A service's normal end: either signal stops it, flushes what it took and exits 0.
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    stderr('gateway stopping: answering the requests it took once Kafka has their records');
    const stats = await gateway.close();
    stderr(formatGatewayStats(stats));
    if (flags.json) stdout(JSON.stringify(stats, null, 2));
  });
  return command;
}
