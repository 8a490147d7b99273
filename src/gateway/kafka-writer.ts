import type { Producer } from 'kafkajs';

/**
 * The gateway's way into Kafka: records of many requests gathered per partition and sent together, one send per
 * partition at a time, each record's promise settled with its offset only once the broker acknowledged it
 * (acks=all). One partition per send and one send in flight per partition, as e2e's producer (src/consume/
 * paced-producer.ts says why: kafkajs resolved a multi-broker send whose partitions had moved without writing
 * them, and an idempotent producer's concurrent sends of a partition fail each other's sequence). A partition's
 * next send leaves once its first record has waited `lingerMs` or `batchBytes` are waiting, whichever is first.
 */
export interface WriterSettings {
  lingerMs: number;
  batchBytes: number;
}

export type WriteOutcome = { offset: number } | { error: string };

/** Kafka record headers as kafkajs takes them: a key given twice has its values in order. */
export type MessageHeaders = Record<string, Buffer | Buffer[]>;

interface Pending {
  key: Buffer | null;
  value: Buffer;
  headers: MessageHeaders | undefined;
  settle: (outcome: WriteOutcome) => void;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  records: Pending[];
  bytes: number;
  sending: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class KafkaWriter {
  private readonly queues = new Map<string, PartitionQueue>();
  private sendsInFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly producer: Producer, private readonly settings: WriterSettings) {}

  /** Resolves with the record's offset once Kafka holds it, or with the error that ended its send (after the client's retries). */
  write(topic: string, partition: number, key: Buffer | null, value: Buffer, headers?: MessageHeaders): Promise<WriteOutcome> {
    const id = `${partition}\u0000${topic}`;
    let queue = this.queues.get(id);
    if (!queue) {
      queue = { topic, partition, records: [], bytes: 0, sending: false, timer: undefined };
      this.queues.set(id, queue);
    }
    const q = queue;
    return new Promise((settle) => {
      q.records.push({ key, value, headers, settle });
      q.bytes += value.length + (key?.length ?? 0);
      if (q.bytes >= this.settings.batchBytes) this.send(q);
      else q.timer ??= setTimeout(() => this.send(q), this.settings.lingerMs);
    });
  }

  /** Resolves once nothing is waiting or in flight (graceful shutdown: what was taken is sent and answered). */
  async flush(): Promise<void> {
    for (const queue of this.queues.values()) this.send(queue);
    while (this.sendsInFlight > 0 || [...this.queues.values()].some((q) => q.records.length > 0)) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private send(queue: PartitionQueue): void {
    clearTimeout(queue.timer);
    queue.timer = undefined;
    if (queue.sending || queue.records.length === 0) return;
    const records = this.take(queue);
    queue.sending = true;
    this.sendsInFlight += 1;
    this.producer.send({
      topic: queue.topic, acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value, partition: queue.partition, headers: r.headers })),
    }).then((metadata) => {
      const base = Number(metadata.find((m) => m.partition === queue.partition)?.baseOffset ?? Number.NaN);
      // Without a base offset the send's records cannot be named: none is acknowledged (they may still be stored).
      records.forEach((r, i) => r.settle(Number.isNaN(base) ? { error: 'NO_BASE_OFFSET' } : { offset: base + i }));
    }, (error: Error & { type?: string }) => {
      const type = error.type ?? error.name ?? 'Error';
      for (const r of records) r.settle({ error: type });
    }).finally(() => {
      queue.sending = false;
      this.sendsInFlight -= 1;
      // What came in meanwhile leaves at once if it is a batch's worth, else after its linger.
      if (queue.bytes >= this.settings.batchBytes) this.send(queue);
      else if (queue.records.length > 0) queue.timer ??= setTimeout(() => this.send(queue), this.settings.lingerMs);
      for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  /** The queue's oldest records up to batchBytes (at least one). */
  private take(queue: PartitionQueue): Pending[] {
    let bytes = 0;
    let count = 0;
    while (count < queue.records.length) {
      const size = queue.records[count].value.length + (queue.records[count].key?.length ?? 0);
      if (count > 0 && bytes + size > this.settings.batchBytes) break;
      bytes += size;
      count += 1;
    }
    queue.bytes -= bytes;
    return queue.records.splice(0, count);
  }
}
