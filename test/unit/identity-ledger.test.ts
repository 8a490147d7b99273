import { describe, expect, it } from 'vitest';
import { IdentityLedger, verificationProblems, type Verification } from '../../src/verify/identity-ledger.js';
import { OUTCOME, OutcomeRecorder, type SendOutcomes } from '../../src/verify/send-outcomes.js';
import { PagedBitmap } from '../../src/verify/paged-bitmap.js';
import { verdictOf } from '../../src/produce/result.js';
import { identityOf, identityValue, IDENTITY_VALUE_BYTES, withIdentityHeader } from '../../src/kafka/record-identity.js';
import { formatVerificationDetails, formatVerificationLine } from '../../src/report/verification-report.js';
import { produceResult } from './bench-fixtures.js';

/** Destinations are partitions here (one topic): named t/partition. */
const nameOf = (destination: number) => ({ topic: 't', partition: destination });
const settings = { isolation: 'read_uncommitted', readMs: 0 } as const;
const acknowledged = (producer: number, ...ranges: Array<[destination: number, first: number, count: number]>): SendOutcomes =>
  ({ producer, ranges: ranges.flatMap(([d, f, c]) => [d, f, c, OUTCOME.acknowledged]) });

/** Reads the sequences of one producer from a partition, in the order given (offset order). */
function read(ledger: IdentityLedger, destination: number, producer: number, sequences: number[]): void {
  for (const sequence of sequences) ledger.read(destination, { producer, sequence });
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const totals = (v: Verification) => [v.checked, v.lost, v.duplicated, v.reordered, v.inDoubt, v.abortedVisible];

describe('the identity ledger', () => {
  it('accounts for every record of a clean run, per partition and in all', () => {
    const ledger = new IdentityLedger();
    ledger.sent(acknowledged(0, [0, 0, 500], [1, 500, 500]));
    ledger.sent(acknowledged(1, [1, 0, 300], [0, 300, 700]));
    read(ledger, 0, 0, range(0, 500));
    read(ledger, 1, 0, range(500, 1000));
    read(ledger, 1, 1, range(0, 300));
    read(ledger, 0, 1, range(300, 1000));
    const v = ledger.verification(nameOf, settings);
    expect(totals(v)).toEqual([2000, 0, 0, 0, 0, 0]);
    expect(v.partitions.map((p) => [p.topic, p.partition, p.checked])).toEqual([['t', 0, 1200], ['t', 1, 800]]);
    expect(verificationProblems(v)).toBeUndefined();
  });

  it('fails one lost and one duplicated record that cancel out in counts, which the count check alone passes', () => {
    const ledger = new IdentityLedger();
    ledger.sent(acknowledged(0, [0, 0, 10]));
    // Sequence 5 is missing; 7 is there twice: 10 records read for 10 acknowledged.
    read(ledger, 0, 0, [0, 1, 2, 3, 4, 6, 7, 7, 8, 9]);
    const v = ledger.verification(nameOf, settings);
    expect(totals(v)).toEqual([10, 1, 1, 0, 0, 0]);
    // The counts agree: 10 acknowledged, the topic grew by 10 (and 10 were read back): the count check passes.
    const counted = produceResult({ records: 10, latenciesUs: [1000] });
    expect([counted.accounting.acknowledgedRecords, counted.accounting.brokerOffsetGrowth, v.checked]).toEqual([10, 10, 10]);
    expect(counted.accounting.match).toBe(true);
    expect(verdictOf(counted)).toBeUndefined();
    // The same run verified by identity fails.
    const verdict = verdictOf({ ...counted, verification: v });
    expect([verdict?.code, verdict?.message]).toEqual(['DS_VERIFICATION_FAILED',
      'verified by identity: 1 acknowledged records lost, 1 duplicated (see the verification lines)']);
  });

  it('counts a record read after a higher one of its producer in its partition as reordered, not as a failure', () => {
    const ledger = new IdentityLedger();
    ledger.sent(acknowledged(3, [2, 0, 6]));
    read(ledger, 2, 3, [0, 1, 3, 4, 2, 5]);
    const v = ledger.verification(nameOf, settings);
    expect(totals(v)).toEqual([6, 0, 0, 1, 0, 0]);
    expect(verificationProblems(v)).toBeUndefined();
  });

  it('keeps producers apart: one producer\'s sequences do not reorder or duplicate another\'s', () => {
    const ledger = new IdentityLedger();
    ledger.sent(acknowledged(0, [0, 0, 3]));
    ledger.sent(acknowledged(1, [0, 0, 3]));
    read(ledger, 0, 0, [0, 1]);
    read(ledger, 0, 1, [0, 1, 2]);
    read(ledger, 0, 0, [2]);
    expect(totals(ledger.verification(nameOf, settings))).toEqual([6, 0, 0, 0, 0, 0]);
  });

  it('puts records read but never acknowledged in doubt (a failed send that landed, a record with no identity)', () => {
    const ledger = new IdentityLedger();
    ledger.sent({ producer: 0, ranges: [0, 0, 4, OUTCOME.acknowledged, 0, 4, 2, OUTCOME.failed, 1, 6, 3, OUTCOME.failed] });
    read(ledger, 0, 0, [0, 1, 2, 3, 4]);
    ledger.read(0, undefined);
    const v = ledger.verification(nameOf, settings);
    expect(totals(v)).toEqual([6, 0, 0, 0, 2, 0]);
    expect(v.failed).toBe(5);
    expect(verificationProblems(v)).toBeUndefined();
  });

  it('names the partition a lost record was acknowledged in', () => {
    const ledger = new IdentityLedger();
    ledger.sent(acknowledged(0, [0, 0, 100], [1, 100, 100], [2, 200, 100]));
    read(ledger, 0, 0, range(0, 100));
    read(ledger, 1, 0, [...range(100, 150), ...range(152, 200)]);
    read(ledger, 2, 0, range(200, 300));
    const v = ledger.verification(nameOf, settings);
    expect(v.partitions.map((p) => [p.partition, p.lost])).toEqual([[0, 0], [1, 2], [2, 0]]);
    expect(v.lost).toBe(2);
  });

  it('with transactions: acknowledged records count once committed; an aborted one read is a failure, unread it is not lost', () => {
    const recorder = new OutcomeRecorder(0, true);
    const runs = (first: number, count: number) => [first, count, 0, 0];
    recorder.settle(0, runs(0, 5), 4, true);
    recorder.transactionEnded(true);
    recorder.settle(0, runs(5, 5), 4, true);
    recorder.transactionEnded(false);
    recorder.settle(0, runs(10, 2), 4, true); // a transaction that never ended: its records are in doubt
    const ledger = new IdentityLedger();
    ledger.sent(recorder.take());
    read(ledger, 0, 0, [0, 1, 2, 3, 4, 7, 10]);
    const v = ledger.verification(nameOf, { isolation: 'read_committed', readMs: 1500 });
    expect(totals(v)).toEqual([7, 0, 0, 0, 1, 1]);
    expect(v.aborted).toBe(5);
    expect(verificationProblems(v)).toBe('1 of aborted transactions visible to read_committed');
    expect(formatVerificationDetails(v)).toEqual([
      '  t/0: 7 read, 0 lost, 0 duplicated, 0 reordered, 1 in doubt, 1 aborted visible',
      'verification: 1 partition read back read_committed in 1.5 s; 5 records of aborted transactions (never to be seen)',
    ]);
  });

  it('keeps a page of bits per 4096 sequences, counting across pages and beyond 2^32', () => {
    const ledger = new IdentityLedger();
    const far = 2 ** 40;
    ledger.sent(acknowledged(0, [0, 4090, 20], [0, far, 3]));
    read(ledger, 0, 0, [...range(4090, 4110), far, far + 2]);
    const v = ledger.verification(nameOf, settings);
    expect(totals(v)).toEqual([22, 1, 0, 0, 0, 0]);
  });
});

describe('a producer\'s send outcomes', () => {
  it('are ranges per batch and partition, merged when they follow on, and start afresh after each take', () => {
    const recorder = new OutcomeRecorder(2, false);
    recorder.settle(1, [0, 10, 0, 0, 10, 5, 1, 0], 4, true);
    recorder.settle(1, [15, 5, 2, 0], 4, true);
    recorder.settle(3, [20, 5, 2, 0], 4, true);
    recorder.settle(3, [25, 5, 3, 0], 4, false);
    expect(recorder.take()).toEqual({ producer: 2, ranges: [1, 0, 20, OUTCOME.acknowledged, 3, 20, 5, OUTCOME.acknowledged, 3, 25, 5, OUTCOME.failed] });
    expect(recorder.take()).toEqual({ producer: 2, ranges: [] });
  });
});

describe('paged bitmaps', () => {
  it('count bits set here, also set in another, and in none of others', () => {
    const [a, b, c] = [new PagedBitmap(), new PagedBitmap(), new PagedBitmap()];
    a.addRange(4000, 200);
    b.addRange(4050, 100);
    c.addRange(4090, 20);
    expect(a.add(4000)).toBe(true);
    expect(a.add(99_999)).toBe(false);
    expect([a.has(99_999), a.has(99_998)]).toEqual([true, false]);
    expect(a.count(undefined, [])).toBe(201);
    expect(a.count(b, [])).toBe(100);
    expect(a.count(b, [c])).toBe(80);
    expect(a.count(undefined, [b, c])).toBe(101);
  });
});

describe('record identities', () => {
  it('are 10 bytes of producer and sequence, read back as written', () => {
    const value = identityValue(70_000, 2 ** 40 + 5);
    expect(value.length).toBe(IDENTITY_VALUE_BYTES);
    expect(value.toString('hex')).toBe('0001117001000000' + '0005');
    expect(identityOf(value)).toEqual({ producer: 70_000, sequence: 2 ** 40 + 5 });
    expect(identityOf([value, identityValue(1, 1)])).toEqual({ producer: 70_000, sequence: 2 ** 40 + 5 });
    expect([identityOf(undefined), identityOf('text'), identityOf(Buffer.alloc(9))]).toEqual([undefined, undefined, undefined]);
  });

  it('go last among a run\'s headers, only with --verify', () => {
    const own = [{ key: 'trace', value: 'abc' }];
    expect(withIdentityHeader(own, false)).toBe(own);
    expect(withIdentityHeader(own, true).map((h) => [h.key, Buffer.byteLength(h.value)])).toEqual([['trace', 3], ['ds-id', 10]]);
  });
});

describe('the verification report', () => {
  const verification = (counts: Partial<Verification>): Verification => ({
    checked: 1_000_000, lost: 0, duplicated: 0, reordered: 0, inDoubt: 0, abortedVisible: 0, failed: 0, aborted: 0, isolation: 'read_uncommitted', readMs: 2345,
    partitions: [{ topic: 't', partition: 0, checked: 600_000, lost: 0, duplicated: 0, reordered: 0, inDoubt: 0, abortedVisible: 0 },
      { topic: 't', partition: 1, checked: 400_000, lost: 0, duplicated: 0, reordered: 0, inDoubt: 0, abortedVisible: 0 }],
    ...counts,
  });

  it('says what was checked and found in one line', () => {
    expect(formatVerificationLine(verification({}))).toBe('verified: 1,000,000 records by identity: 0 lost, 0 duplicated, 0 reordered, 0 in doubt');
    expect(formatVerificationLine(verification({ checked: 12_345, lost: 1_234, isolation: 'read_committed', aborted: 5000, abortedVisible: 2 })))
      .toBe('verified: 12,345 records by identity: 1,234 lost, 0 duplicated, 0 reordered, 0 in doubt, 2 aborted visible');
    expect(formatVerificationLine(verification({ isolation: 'read_committed', aborted: 5000 })))
      .toBe('verified: 1,000,000 records by identity: 0 lost, 0 duplicated, 0 reordered, 0 in doubt, 0 aborted visible');
  });

  it('names the partitions with findings, and how the records were read', () => {
    expect(formatVerificationDetails(verification({}))).toEqual(['verification: 2 partitions read back read_uncommitted in 2.3 s']);
    const v = verification({ lost: 1, duplicated: 1, failed: 3, readMs: 0 });
    v.partitions[1] = { ...v.partitions[1], lost: 1, duplicated: 1, inDoubt: 3 };
    expect(formatVerificationDetails(v)).toEqual([
      '  t/1: 400,000 read, 1 lost, 1 duplicated, 0 reordered, 3 in doubt',
      'verification: 2 partitions read by the run\'s consumers (read_uncommitted); 3 records\' sends failed (read back, they are in doubt)',
    ]);
  });
});
