import { describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { producePaced, type PacedLoad } from '../../src/consume/paced-producer.js';
import { CREATED_US_HEADER, createdUsOf } from '../../src/kafka/created-header.js';
import { epochMs } from '../../src/shared/clock.js';
import { IDENTITY_HEADER, identityOf } from '../../src/kafka/record-identity.js';
import { IdentityLedger } from '../../src/verify/identity-ledger.js';
import type { SendOutcomes } from '../../src/verify/send-outcomes.js';

interface SentMessage { value: Buffer; timestamp: string; headers: Record<string, string | Buffer>; partition: number }

/** A producer that acknowledges every send at once and keeps what it was sent. */
function recordingProducer(): { producer: Producer; sent: SentMessage[] } {
  const sent: SentMessage[] = [];
  const producer = { send: async ({ messages }: { messages: SentMessage[] }) => { sent.push(...messages); return []; } } as unknown as Producer;
  return { producer, sent };
}

const options = (load: PacedLoad, durationMs: number) => ({ topic: 't', load, durationMs, recordSizeBytes: 10, partitions: 3, compression: 'none' as const });

describe('producePaced, e2e\'s producer', () => {
  it('sends the schedule\'s records, each with its creation time in µs on the shared clock in the ds-created-us header', async () => {
    const { producer, sent } = recordingProducer();
    const startMs = Math.ceil(epochMs()) + 30;
    const result = await producePaced(producer, { ...options({ kind: 'rate', rateRps: 1000 }, 150), startAtEpochMs: startMs });
    expect(result).toMatchObject({ records: 150, failedRecords: 0 });
    expect(sent).toHaveLength(150);
    expect(new Set(sent.map((m) => m.partition))).toEqual(new Set([0, 1, 2]));
    const created = sent.map((m) => createdUsOf(m.headers[CREATED_US_HEADER] as string)!);
    // The schedule starts at its start: no record is created before it, nor after the producer returned.
    expect(Math.min(...created)).toBeGreaterThanOrEqual(startMs * 1000);
    expect(Math.max(...created)).toBeLessThanOrEqual(epochMs() * 1000);
    expect(sent.every((m) => /^\d+$/.test(m.timestamp) && m.value.length === 10)).toBe(true);
  });

  it('follows a rate profile (a ramp): the area under its line', async () => {
    const { producer, sent } = recordingProducer();
    const points = [{ atMs: 0, recordsPerSec: 0 }, { atMs: 200, recordsPerSec: 2000 }];
    await producePaced(producer, options({ kind: 'profile', points }, 200));
    expect(sent).toHaveLength(200); // (0 + 2000) / 2 records/s over 0.2 s
  });

  it('as fast as the consumers read: never more than aheadRecords beyond what they counted, until the time is up', async () => {
    const { producer, sent } = recordingProducer();
    let consumed = 0;
    const result = await producePaced(producer, options({ kind: 'consumers', consumed: () => consumed, aheadRecords: 7 }, 100));
    expect(result.records).toBe(7);
    consumed = 40;
    const more = await producePaced(producer, options({ kind: 'consumers', consumed: () => consumed, aheadRecords: 7 }, 100));
    expect(more.records).toBe(47);
    expect(sent).toHaveLength(54);
  });

  it('with --verify: record i carries identity (0, i) and goes to partition i % P; how each send ended is told by identity', async () => {
    const { producer, sent } = recordingProducer();
    const told: SendOutcomes[] = [];
    const result = await producePaced(producer, { ...options({ kind: 'rate', rateRps: 1000 }, 150), onOutcomes: (o) => told.push(o) });
    expect(result.records).toBe(150);
    expect(sent.every((m) => identityOf(m.headers[IDENTITY_HEADER] as Buffer)!.sequence % 3 === m.partition)).toBe(true);
    expect(sent.map((m) => identityOf(m.headers[IDENTITY_HEADER] as Buffer)).sort((a, b) => a!.sequence - b!.sequence))
      .toEqual(Array.from({ length: 150 }, (_, i) => ({ producer: 0, sequence: i })));
    // Fed to a ledger and read back as sent: every record acknowledged and read once.
    const ledger = new IdentityLedger();
    for (const outcomes of told) ledger.sent(outcomes);
    for (const m of sent) ledger.read(m.partition, identityOf(m.headers[IDENTITY_HEADER] as Buffer));
    const v = ledger.verification((partition) => ({ topic: 't', partition }), { isolation: 'read_committed', readMs: 0 });
    expect([v.checked, v.lost, v.duplicated, v.reordered, v.inDoubt]).toEqual([150, 0, 0, 0, 0]);
  });
});
