import { formatJavaFixed, formatKafkaDate, type DatePattern } from '../report/java-format.js';
import { formatLatencyFigures } from '../report/produce-report.js';
import type { LatencySummaryUs } from '../shared/histograms.js';
import { DELIVERY_BUCKETS, type LedgerSummary } from './share-counters.js';
import type { IntervalCounts } from './consume-report.js';

/**
 * The lines kafka-share-consumer-perf-test prints (Kafka 4.4's org.apache.kafka.tools.ShareConsumerPerformance: same
 * header, columns, number and date formats), and DataStorm's own about acknowledgements and the accounting.
 * MB = 1024 * 1024 bytes of keys plus values; nMsg = records delivered (a redelivered record counts each time, as Kafka's tool counts what poll returns).
 */
const BYTES_PER_MB = 1024 * 1024;

export const SHARE_SUMMARY_HEADER = 'start.time, end.time, data.consumed.in.MB, MB.sec, nMsg.sec, data.consumed.in.nMsg, fetch.time.ms';

export interface ShareFigures {
  /** Records delivered (acquired), with redeliveries. */
  records: number;
  payloadBytes: number;
  startMs: number;
  endMs: number;
}

/** The columns after the dates: MB, MB/s, records/s, records, ms, as Kafka's printStats computes them. */
function statColumns(f: ShareFigures): string[] {
  const elapsedSec = (f.endMs - f.startMs) / 1000;
  const megabytes = f.payloadBytes / BYTES_PER_MB;
  const rate = (value: number) => formatJavaFixed(Number.isNaN(value) ? 0 : value, 4);
  return [formatJavaFixed(megabytes, 4), rate(megabytes / elapsedSec), rate(f.records / elapsedSec), String(f.records), String(f.endMs - f.startMs)];
}

/** The group's line under SHARE_SUMMARY_HEADER. */
export function formatShareSummaryLine(f: ShareFigures, dates?: DatePattern): string {
  return [formatKafkaDate(f.startMs, dates), formatKafkaDate(f.endMs, dates), ...statColumns(f)].join(', ');
}

/** One consumer's line (--show-consumer-stats), numbered from 1 as Kafka's are. */
export function formatShareConsumerLine(f: ShareFigures & { workerId: number; clientId: string }, dates?: DatePattern): string {
  return `Share consumer ${f.workerId + 1} having client id ${f.clientId} consumption metrics- ` +
    [formatKafkaDate(f.startMs, dates), formatKafkaDate(f.endMs, dates), ...statColumns(f)].join(', ');
}

/** A share consumer's progress over one reporting interval: a group consumer's, but share groups have no rebalances. */
export type ShareInterval = Omit<IntervalCounts, 'rebalanceMs'>;

/** A consumer's progress over one reporting interval (--show-detailed-stats), as Kafka's printShareConsumerProgress prints it. */
export function formatShareIntervalLine(f: ShareInterval, dates?: DatePattern): string {
  const elapsedMs = f.endMs - f.startMs;
  return [
    formatKafkaDate(f.startMs, dates), formatKafkaDate(f.endMs, dates), formatJavaFixed(f.totalPayloadBytes / BYTES_PER_MB, 4),
    formatJavaFixed((1000 * f.payloadBytes) / BYTES_PER_MB / elapsedMs, 4), formatJavaFixed((f.records / elapsedMs) * 1000, 4),
    String(f.totalRecords), `${elapsedMs} for share consumer ${f.workerId + 1}`,
  ].join(', ');
}

/** Kafka's warning when --timeout ends the run early, word for word (the share tool says records where the other says messages). */
export function formatShareTimeoutWarning(timeoutMs: number): string {
  return `WARNING: Exiting before consuming the expected number of records: timeout (${timeoutMs} ms) exceeded. ` +
    'You can use the --timeout option to increase the timeout.';
}

export interface AcknowledgementCounts {
  acquired: number;
  accepted: number;
  released: number;
  rejected: number;
  /** Deliveries of a record after its first (the broker's delivery count above 1). */
  redelivered: number;
  /** Records whose acknowledgement the broker refused (their lock had expired). */
  ackFailed: number;
  /** Records by delivery count: index i delivered i + 1 times, the last that many or more. */
  deliveryCounts: number[];
}

export function formatAcknowledgementsLine(a: AcknowledgementCounts): string {
  return `acknowledgements: ${a.acquired} acquired, ${a.accepted} accepted, ${a.released} released, ${a.rejected} rejected, ` +
    `${a.redelivered} redelivered${a.ackFailed > 0 ? `, ${a.ackFailed} refused (lock expired)` : ''}`;
}

/** The delivery-count histogram: `delivery counts: 1: 1990000, 2: 10000` (the last bucket is that many or more). */
export function formatDeliveryCounts(counts: readonly number[]): string {
  const buckets = counts.flatMap((records, i) => (records > 0 ? [`${i + 1}${i === DELIVERY_BUCKETS - 1 ? '+' : ''}: ${records}`] : []));
  return `delivery counts: ${buckets.length > 0 ? buckets.join(', ') : 'none'}`;
}

/**
 * How long records stay held: from the fetch that acquired them to the broker's confirmation of their
 * acknowledgement, which rides on the next fetch to that broker (implicit) or goes at once (explicit).
 */
export function formatAcknowledgementLatency(latency: LatencySummaryUs, ackMode: string): string {
  if (latency.count === 0) return 'acknowledgement latency: no acknowledgement confirmed';
  return `acknowledgement latency (acquired to confirmed by the broker, ${latency.count} records, --ack-mode ${ackMode}): ${formatLatencyFigures(latency)}`;
}

export interface ShareAccounting {
  /** Records settled (accepted or rejected) as the broker confirmed them to the consumers. */
  settled: number;
  /** Records past the group's start when the run began (Σ lag), the ones the run could read. */
  availableRecords: number;
  /** The fall of the group's lag over the run, plus records written meanwhile: what the broker says was settled. NaN when unread. */
  brokerSettled: number;
  /** Per-record checks (undefined when the topic was too large for the ledger). */
  ledger?: LedgerSummary;
  match: boolean;
  uncheckedBecause?: string;
}

/** Whether the accounting holds: the broker's count, no record settled twice, and, when every record was settled, each delivered. */
export function shareAccountingMatches(a: Omit<ShareAccounting, 'match'>): boolean {
  const brokerAgrees = a.brokerSettled === a.settled;
  if (!a.ledger) return brokerAgrees;
  // Records past the group's start offset that an earlier run settled are in the ledger's range but not available.
  const everyRecord = a.settled >= a.availableRecords ? a.ledger.deliveredAtLeastOnce === a.availableRecords : true;
  return brokerAgrees && a.ledger.settledTwice === 0 && everyRecord;
}

export function formatShareAccounting(a: ShareAccounting, group: string): string[] {
  const lines: string[] = [];
  if (a.ledger) {
    const l = a.ledger;
    lines.push(`records: ${l.deliveredAtLeastOnce} of ${a.availableRecords} delivered at least once; ${l.acceptedOnce} accepted once, ${l.rejectedOnce} rejected once, ` +
      `${l.settledTwice} settled twice; ${l.redeliveries} redeliveries = ${l.releases} releases + ${l.lockTimeouts} lock timeouts` +
      `${l.redeliveries === l.releases + l.lockTimeouts ? '' : ` - ${l.releases + l.lockTimeouts - l.redeliveries} never redelivered (released or expired at the end)`}`);
  } else {
    lines.push('records: the topic is too large to check record by record; the counts are checked against the broker only');
  }
  if (a.uncheckedBecause !== undefined) {
    lines.push(`accounting: ${a.settled} records settled; UNCHECKED: group ${group}'s share-group offsets could not be read (${a.uncheckedBecause})`);
    return lines;
  }
  lines.push(`accounting: ${a.settled} records settled (accepted or rejected), group ${group}'s share-group lag fell by ${a.brokerSettled} ` +
    `(of ${a.availableRecords} records available): ${a.match ? 'match' : 'MISMATCH'}`);
  return lines;
}

/** The last line of a run a Ctrl-C cut short. */
export function formatSharePartialLine(settled: number, target: number, group: string, released: number): string {
  return `PARTIAL RUN: stopped by Ctrl-C after ${settled} of ${target} records settled; the records still held were released to group ${group} (${released} released in all)`;
}
