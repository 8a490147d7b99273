import { errorTypeOf, type ProducerDriver } from '../drivers/producer-driver.js';
import type { ProducerBatch, RecordAccumulator } from './accumulator.js';
import type { ProduceMeter } from './meter.js';
import type { ErrorCode } from '../shared/errors.js';

/** Errors after which a run cannot go on: retrying would only repeat them. */
const FATAL_ERROR_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD',
  'TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'UNSUPPORTED_COMPRESSION_TYPE', 'INVALID_REQUIRED_ACKS']);
/** With no acknowledgement for this long while sends fail, the cluster is gone. */
export const BROKER_LOST_AFTER_US = 20_000_000;

/** Why a run must stop. */
export interface FatalError {
  code: ErrorCode;
  message: string;
}

/**
 * Whether a failed batch ends the run: an error no retry can fix, or failures with no acknowledgement for
 * BROKER_LOST_AFTER_US. Anything else is counted and the run goes on.
 */
export function fatalErrorOf(type: string, batch: ProducerBatch, error: unknown, sinceSuccessUs: number): FatalError | undefined {
  if (FATAL_ERROR_TYPES.has(type)) {
    return {
      code: type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE' ? 'DS_RECORD_TOO_LARGE' : 'DS_PRODUCE_FAILED',
      message: `the broker refused a batch of ${batch.recordCount} records (${batch.sizeBytes} bytes): ${type}`,
    };
  }
  if (sinceSuccessUs > BROKER_LOST_AFTER_US) {
    return { code: 'DS_BROKER_LOST', message: `no acknowledgement for ${Math.round(sinceSuccessUs / 1e6)} s; last error: ${(error as Error).message}` };
  }
  return undefined;
}

export interface SenderSettings {
  /** Produce requests kept in flight at once. */
  maxInFlight: number;
  /** One batch in flight per partition (an idempotent producer's sequence numbers need it). */
  idempotent: boolean;
  /** Called with each acknowledged batch once it is metered, before its buffer is reused. */
  onAcknowledged: (batch: ProducerBatch) => void;
  /** Called with each batch whose send failed (--verify: its records' identities). */
  onFailed?: (batch: ProducerBatch) => void;
  /** Called when a send settles either way: a request slot is free. */
  onSettled: () => void;
  nowUs: () => number;
  /** Transactions: batches go out only while the open transaction takes them, and a failed send ends the run. */
  transaction?: { accepts: (nowUs: number) => boolean; sent: (batch: ProducerBatch) => void };
}

/**
 * The worker's in-flight window: sends ready batches while request slots are free, meters what the broker
 * acknowledged or refused, and gives each batch's buffer back once the client is done with it.
 */
export class BatchSender {
  inFlight = 0;
  requests = 0;
  /** Requests the broker refused or that failed: their records were not acknowledged. */
  failedRequests = 0;
  fatal: FatalError | undefined;
  private lastSuccessUs: number;
  // kafkajs rolls an idempotent partition's sequence back when a send fails: with two batches of a partition in
  // flight a broker failure then fails records with OUT_OF_ORDER_SEQUENCE_NUMBER; platformatic advances a
  // partition's sequence only on its acknowledgement, so a second batch in flight would reuse it.
  private readonly partitionsInFlight = new Set<number>();
  private readonly partitionBusy: ((partition: number) => boolean) | undefined;

  constructor(
    private readonly driver: ProducerDriver,
    private readonly accumulator: RecordAccumulator,
    private readonly meter: ProduceMeter,
    private readonly settings: SenderSettings,
  ) {
    this.lastSuccessUs = settings.nowUs();
    this.partitionBusy = settings.idempotent ? (destination) => this.partitionsInFlight.has(destination) : undefined;
  }

  /** Sends what is ready while request slots are free; `drain`: everything appended, lingered or not. */
  dispatch(nowUs: number, drain: boolean): void {
    if (this.settings.transaction && !this.settings.transaction.accepts(nowUs)) return;
    while (this.inFlight < this.settings.maxInFlight && this.fatal === undefined) {
      const batch = this.accumulator.next(nowUs, drain, this.partitionBusy);
      if (!batch) return;
      this.send(batch);
    }
  }

  /** True while sends are out, or records wait to be sent and no fatal error makes sending pointless. */
  get busy(): boolean {
    return this.inFlight > 0 || (this.fatal === undefined && this.accumulator.waiting > 0);
  }

  private send(batch: ProducerBatch): void {
    this.inFlight++;
    this.requests++;
    this.partitionsInFlight.add(batch.destination);
    batch.sentUs = this.settings.nowUs();
    this.settings.transaction?.sent(batch);
    this.driver.send(batch).then(
      async () => {
        const ackUs = this.settings.nowUs();
        this.lastSuccessUs = ackUs;
        this.meter.acknowledged(batch, ackUs);
        this.settings.onAcknowledged(batch);
        await this.driver.released();
        this.accumulator.release(batch, true);
      },
      (error: unknown) => this.failed(batch, error),
    ).finally(() => {
      this.inFlight--;
      this.partitionsInFlight.delete(batch.destination);
      this.settings.onSettled();
    });
  }

  private failed(batch: ProducerBatch, error: unknown): void {
    const type = errorTypeOf(error);
    this.failedRequests++;
    this.meter.failed(type, batch.recordCount);
    this.settings.onFailed?.(batch);
    this.fatal ??= fatalErrorOf(type, batch, error, this.settings.nowUs() - this.lastSuccessUs)
      // A transaction's failed batch cannot go into another one: the transaction is aborted and the run ends.
      ?? (this.settings.transaction ? { code: 'DS_TRANSACTION_FAILED', message: `a batch of ${batch.recordCount} records failed inside a transaction: ${type}` } : undefined);
    this.accumulator.release(batch, false);
  }
}
