import { Reader } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { CountedRun } from '../../src/kafka/counted-fetch.js';
import { formatShareGroupsNote, shareGroupsRefusal } from '../../src/kafka/kafka-releases.js';
import { nextSessionEpoch } from '../../src/drivers/share-consumer.js';
import {
  AcknowledgeType, decodeDescribeShareGroupOffsets, decodeShareAcknowledge, decodeShareFetch, decodeShareGroupHeartbeat,
  encodeDescribeShareGroupOffsets, encodeShareAcknowledge, encodeShareFetch, encodeShareGroupHeartbeat,
} from '../../src/drivers/share-group-protocol.js';
import { ackTypeOf, decideAcknowledgements, recordFraction } from '../../src/consume/share-acknowledgements.js';
import {
  formatAcknowledgementLatency, formatAcknowledgementsLine, formatDeliveryCounts, formatShareAccounting, formatShareConsumerLine, formatShareIntervalLine, formatShareSummaryLine,
  formatShareTimeoutWarning, shareAccountingMatches, SHARE_SUMMARY_HEADER,
} from '../../src/consume/share-report.js';
import { ShareCounters } from '../../src/consume/share-counters.js';

// Kafka's flexible encoding, written out by hand from kafka-clients 4.4.0's message definitions.
const int8 = (v: number) => Buffer.from([v & 0xff]);
const int16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const int32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const int64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return b; };
const uvarint = (value: number): Buffer => {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) { bytes.push((rest & 0x7f) | 0x80); rest >>>= 7; }
  bytes.push(rest);
  return Buffer.from(bytes);
};
const str = (text: string | null) => (text === null ? uvarint(0) : Buffer.concat([uvarint(Buffer.byteLength(text) + 1), Buffer.from(text)]));
const arr = (items: Buffer[] | null) => (items === null ? uvarint(0) : Buffer.concat([uvarint(items.length + 1), ...items]));
const TAGS = uvarint(0);
const TOPIC_ID = '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9';
const uuid = Buffer.from(TOPIC_ID.replaceAll('-', ''), 'hex');
const bytesOf = (writer: { buffer: Buffer }) => writer.buffer.toString('hex');

describe('ShareGroupHeartbeat v1 (key 76)', () => {
  it('encodes a join: group, member, epoch 0, no rack, the subscribed topic, no tagged fields', () => {
    const expected = Buffer.concat([str('g'), str('member-1'), int32(0), str(null), arr([str('orders')]), TAGS]);
    expect(bytesOf(encodeShareGroupHeartbeat({ groupId: 'g', memberId: 'member-1', memberEpoch: 0, subscribedTopicNames: ['orders'] }))).toBe(expected.toString('hex'));
  });

  it('encodes a heartbeat that changes nothing with a null subscription, and a leave with epoch -1', () => {
    const expected = Buffer.concat([str('g'), str('m'), int32(-1), str(null), arr(null), TAGS]);
    expect(bytesOf(encodeShareGroupHeartbeat({ groupId: 'g', memberId: 'm', memberEpoch: -1, subscribedTopicNames: null }))).toBe(expected.toString('hex'));
  });

  it('decodes the member\'s epoch, interval and assignment (a nullable struct with its own tagged fields)', () => {
    const assignment = Buffer.concat([int8(1), arr([Buffer.concat([uuid, arr([int32(0), int32(2)]), TAGS])]), TAGS]);
    const body = Buffer.concat([int32(0), int16(0), str(null), str('m'), int32(3), int32(5000), assignment, TAGS]);
    expect(decodeShareGroupHeartbeat(1, 76, 1, Reader.from(body))).toEqual({
      throttleTimeMs: 0, errorCode: 0, errorMessage: null, memberId: 'm', memberEpoch: 3, heartbeatIntervalMs: 5000,
      assignment: [{ topicId: TOPIC_ID, partitions: [0, 2] }],
    });
    const unchanged = Buffer.concat([int32(0), int16(0), str(null), str('m'), int32(3), int32(5000), int8(-1), TAGS]);
    expect(decodeShareGroupHeartbeat(1, 76, 1, Reader.from(unchanged)).assignment).toBeNull();
  });
});

describe('ShareFetch v1 (key 78)', () => {
  it('encodes the session epoch, limits, partitions with their acknowledgement batches, and the forgotten partitions', () => {
    const request = encodeShareFetch({
      groupId: 'g', memberId: 'm', shareSessionEpoch: 4, maxWaitMs: 500, minBytes: 1, maxBytes: 1048576, maxRecords: 500, batchSize: 500,
      topics: [{ topicId: TOPIC_ID, partitions: [
        { partitionIndex: 1, acknowledgementBatches: [{ firstOffset: 10, lastOffset: 19, acknowledgeTypes: [AcknowledgeType.ACCEPT] }] },
        { partitionIndex: 3, acknowledgementBatches: [] },
      ] }],
      forgottenTopicsData: [{ topicId: TOPIC_ID, partitions: [5] }],
    });
    const ackBatch = Buffer.concat([int64(10), int64(19), arr([int8(1)]), TAGS]);
    const expected = Buffer.concat([
      str('g'), str('m'), int32(4), int32(500), int32(1), int32(1048576), int32(500), int32(500),
      arr([Buffer.concat([uuid, arr([Buffer.concat([int32(1), arr([ackBatch]), TAGS]), Buffer.concat([int32(3), arr([]), TAGS])]), TAGS])]),
      arr([Buffer.concat([uuid, arr([int32(5)]), TAGS])]),
      TAGS,
    ]);
    expect(bytesOf(request)).toBe(expected.toString('hex'));
  });

  it('decodes acquired records, their delivery counts, the records\' bytes and the acknowledgement errors per partition', () => {
    const records = Buffer.from('00000000000000640000002a', 'hex');
    const partition = Buffer.concat([
      int32(2), int16(0), str(null), int16(121), str('lock expired'), int32(1), int32(7), TAGS,
      uvarint(records.length + 1), records,
      arr([Buffer.concat([int64(100), int64(104), int16(2), TAGS])]),
      TAGS,
    ]);
    const body = Buffer.concat([
      int32(0), int16(0), str(null), int32(30000),
      arr([Buffer.concat([uuid, arr([partition]), TAGS])]),
      arr([Buffer.concat([int32(1), str('127.0.0.1'), int32(9092), str(null), TAGS])]),
      TAGS,
    ]);
    expect(decodeShareFetch(1, 78, 1, Reader.from(body))).toEqual({
      throttleTimeMs: 0, errorCode: 0, errorMessage: null, acquisitionLockTimeoutMs: 30000,
      responses: [{ topicId: TOPIC_ID, partitions: [{
        partitionIndex: 2, errorCode: 0, errorMessage: null, acknowledgeErrorCode: 121, acknowledgeErrorMessage: 'lock expired',
        leaderId: 1, leaderEpoch: 7, records, acquiredRecords: [{ firstOffset: 100, lastOffset: 104, deliveryCount: 2 }],
      }] }],
      nodeEndpoints: [{ nodeId: 1, host: '127.0.0.1', port: 9092 }],
    });
  });

  it('counts session epochs 1, 2, ... and wraps to 1 past int32\'s end (0 opens and -1 closes a session)', () => {
    expect([0, 1, 41, 0x7fffffff].map(nextSessionEpoch)).toEqual([1, 2, 42, 1]);
  });
});

describe('ShareAcknowledge v1 (key 79) and DescribeShareGroupOffsets v1 (key 90)', () => {
  it('encodes a session\'s close with its last acknowledgements, record by record', () => {
    const request = encodeShareAcknowledge({
      groupId: 'g', memberId: 'm', shareSessionEpoch: -1,
      topics: [{ topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 5, lastOffset: 7, acknowledgeTypes: [1, 2, 3] }] }] }],
    });
    const ackBatch = Buffer.concat([int64(5), int64(7), arr([int8(1), int8(2), int8(3)]), TAGS]);
    const expected = Buffer.concat([str('g'), str('m'), int32(-1), arr([Buffer.concat([uuid, arr([Buffer.concat([int32(0), arr([ackBatch]), TAGS])]), TAGS])]), TAGS]);
    expect(bytesOf(request)).toBe(expected.toString('hex'));
  });

  it('decodes the acknowledgement\'s error per partition', () => {
    const partition = Buffer.concat([int32(0), int16(121), str(null), int32(2), int32(1), TAGS, TAGS]);
    const body = Buffer.concat([int32(0), int16(0), str(null), arr([Buffer.concat([uuid, arr([partition]), TAGS])]), arr([]), TAGS]);
    expect(decodeShareAcknowledge(1, 79, 1, Reader.from(body)).responses).toEqual([
      { topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, errorCode: 121, errorMessage: null, leaderId: 2, leaderEpoch: 1 }] },
    ]);
  });

  it('asks for one group\'s offsets on a topic\'s partitions, and reads each start offset and lag', () => {
    const expected = Buffer.concat([arr([Buffer.concat([str('g'), arr([Buffer.concat([str('t'), arr([int32(0), int32(1)]), TAGS])]), TAGS])]), TAGS]);
    expect(bytesOf(encodeDescribeShareGroupOffsets('g', { name: 't', partitions: [0, 1] }))).toBe(expected.toString('hex'));
    const partitionOf = (index: number, start: number, lag: number) => Buffer.concat([int32(index), int64(start), int32(0), int64(lag), int16(0), str(null), TAGS]);
    const body = Buffer.concat([int32(0), arr([Buffer.concat([
      str('g'), arr([Buffer.concat([str('t'), uuid, arr([partitionOf(0, 1200, 0), partitionOf(1, -1, -1)]), TAGS])]), int16(0), str(null), TAGS,
    ])]), TAGS]);
    expect(decodeDescribeShareGroupOffsets(1, 90, 1, Reader.from(body)).groups[0]).toEqual({
      groupId: 'g', errorCode: 0, errorMessage: null, topics: [{ topicName: 't', topicId: TOPIC_ID, partitions: [
        { partitionIndex: 0, startOffset: 1200, leaderEpoch: 0, lag: 0, errorCode: 0, errorMessage: null },
        { partitionIndex: 1, startOffset: -1, leaderEpoch: 0, lag: -1, errorCode: 0, errorMessage: null },
      ] }],
    });
  });
});

/** A batch of records at consecutive offsets, each key + value `bytes` long. */
const run = (firstOffset: number, count: number, bytes = 10): CountedRun => ({
  marker: false, firstOffset, count, offsets: undefined, payloadBytes: (from, to) => (to - from) * bytes,
});
const ACCEPT_ALL = { releaseRate: 0, rejectRate: 0 };

describe('acknowledging what a ShareFetch acquired', () => {
  it('accepts each acquired record and marks the acquired offsets without a record as gaps', () => {
    const decision = decideAcknowledgements({ partition: 0, batches: [run(98, 5)], acquired: [{ firstOffset: 100, lastOffset: 104, deliveryCount: 1 }] }, ACCEPT_ALL, (n) => n);
    expect(decision.batches).toEqual([
      { firstOffset: 100, lastOffset: 102, acknowledgeTypes: [AcknowledgeType.ACCEPT] },
      { firstOffset: 103, lastOffset: 104, acknowledgeTypes: [AcknowledgeType.GAP] },
    ]);
    expect(decision).toMatchObject({ records: 3, bytes: 30, gaps: 2, deliveryCounts: [3, 0, 0, 0, 0, 0] });
  });

  it('releases, past the run\'s limit, the last records it would have settled', () => {
    const decision = decideAcknowledgements({ partition: 0, batches: [run(0, 4)], acquired: [{ firstOffset: 0, lastOffset: 3, deliveryCount: 2 }] }, ACCEPT_ALL, () => 1);
    expect(decision.batches).toEqual([
      { firstOffset: 0, lastOffset: 0, acknowledgeTypes: [AcknowledgeType.ACCEPT] },
      { firstOffset: 1, lastOffset: 3, acknowledgeTypes: [AcknowledgeType.RELEASE] },
    ]);
    expect(decision.deliveryCounts).toEqual([0, 4, 0, 0, 0, 0]);
  });

  it('releases and rejects by a hash of partition and offset on a first delivery only, in the shares asked', () => {
    const policy = { releaseRate: 0.01, rejectRate: 0.02 };
    const types = Array.from({ length: 100_000 }, (_, offset) => ackTypeOf(policy, 3, offset, 1));
    const share = (type: number) => types.filter((t) => t === type).length / types.length;
    expect(share(AcknowledgeType.RELEASE)).toBeCloseTo(0.01, 2);
    expect(share(AcknowledgeType.REJECT)).toBeCloseTo(0.02, 2);
    const released = types.indexOf(AcknowledgeType.RELEASE);
    expect(ackTypeOf(policy, 3, released, 2)).toBe(AcknowledgeType.ACCEPT);
    expect(recordFraction(3, released)).toBe(recordFraction(3, released));
    expect(recordFraction(3, released)).not.toBe(recordFraction(4, released));
  });
});

describe('the share run\'s ledger', () => {
  it('counts each record\'s deliveries, releases and settling, whichever consumer had it', () => {
    const counters = ShareCounters.create({ workers: 2, recordLimit: 10, ledgerStarts: [100, 0], ledgerLengths: [4, 2] });
    counters.mark('deliveries', 0, 100, 103);
    counters.mark('released', 0, 101, 101);
    counters.mark('deliveries', 0, 101, 101);
    counters.mark('accepted', 0, 100, 101);
    counters.mark('rejected', 0, 103, 103);
    counters.mark('deliveries', 1, 0, 5); // offsets past the ledger are not its
    counters.mark('accepted', 1, 0, 1);
    expect(counters.ledgerSummary()).toEqual({
      records: 6, deliveredAtLeastOnce: 6, acceptedOnce: 4, rejectedOnce: 1, settledTwice: 0, lockTimeouts: 1, redeliveries: 1, releases: 1,
    });
  });

  it('grants claims up to the limit and stops there', () => {
    const counters = ShareCounters.create({ workers: 1, recordLimit: 10, ledgerStarts: [0], ledgerLengths: [0] });
    expect(counters.claim(7)).toBe(7);
    expect(counters.stopped()).toBe(false);
    expect(counters.claim(7)).toBe(3);
    expect(counters.stopped()).toBe(true);
  });
});

describe('share-consumer-perf-test\'s lines', () => {
  const figures = { records: 200000, payloadBytes: 50_000_000, startMs: Date.UTC(2026, 11, 7, 16, 11, 22, 1), endMs: Date.UTC(2026, 11, 7, 16, 11, 32, 892) };

  it('prints Kafka 4.4\'s header, summary, per-consumer and interval lines, byte for byte', () => {
    expect(SHARE_SUMMARY_HEADER).toBe('start.time, end.time, data.consumed.in.MB, MB.sec, nMsg.sec, data.consumed.in.nMsg, fetch.time.ms');
    // The dates are in the local time zone, as Java's SimpleDateFormat prints them: the hour depends on it.
    expect(formatShareSummaryLine(figures)).toMatch(/^2026-12-0\d \d\d:\d1:22:001, 2026-12-0\d \d\d:\d1:32:892, 47\.6837, 4\.3783, 18363\.7866, 200000, 10891$/);
    expect(formatShareConsumerLine({ ...figures, workerId: 0, clientId: 'c-1' })).toMatch(/^Share consumer 1 having client id c-1 consumption metrics- .*, 47\.6837, 4\.3783, 18363\.7866, 200000, 10891$/);
    expect(formatShareIntervalLine({ workerId: 2, startMs: 0, endMs: 5000, totalRecords: 70000, totalPayloadBytes: 2 * 1024 * 1024, records: 25000, payloadBytes: 1024 * 1024 }))
      .toMatch(/, 2\.0000, 0\.2000, 5000\.0000, 70000, 5000 for share consumer 3$/);
    expect(formatShareTimeoutWarning(10000)).toBe('WARNING: Exiting before consuming the expected number of records: timeout (10000 ms) exceeded. You can use the --timeout option to increase the timeout.');
  });

  it('adds the acknowledgements, the delivery counts and the accounting', () => {
    expect(formatAcknowledgementsLine({ acquired: 202020, accepted: 199790, released: 2020, rejected: 210, redelivered: 2020, ackFailed: 0, deliveryCounts: [] }))
      .toBe('acknowledgements: 202020 acquired, 199790 accepted, 2020 released, 210 rejected, 2020 redelivered');
    expect(formatDeliveryCounts([200000, 2020, 0, 0, 0, 3])).toBe('delivery counts: 1: 200000, 2: 2020, 6+: 3');
    const latency = { count: 202020, minUs: 310, meanUs: 4210.5, maxUs: 96100, p50Us: 3020, p95Us: 9100, p99Us: 15300, p999Us: 41000, p9999Us: 90000 };
    expect(formatAcknowledgementLatency(latency, 'implicit')).toBe('acknowledgement latency (acquired to confirmed by the broker, 202020 records, ' +
      '--ack-mode implicit): 4.21 ms avg, 3.02 ms 50th, 15.30 ms 99th, 41.00 ms 99.9th, 96.10 ms max');
    expect(formatAcknowledgementLatency({ ...latency, count: 0 }, 'explicit')).toBe('acknowledgement latency: no acknowledgement confirmed');
    const ledger = { records: 200000, deliveredAtLeastOnce: 200000, acceptedOnce: 199790, rejectedOnce: 210, settledTwice: 0, lockTimeouts: 0, redeliveries: 2020, releases: 2020 };
    const accounting = { settled: 200000, availableRecords: 200000, brokerSettled: 200000, ledger };
    expect(shareAccountingMatches(accounting)).toBe(true);
    expect(formatShareAccounting({ ...accounting, match: true }, 'sg')).toEqual([
      'records: 200000 of 200000 delivered at least once; 199790 accepted once, 210 rejected once, 0 settled twice; 2020 redeliveries = 2020 releases + 0 lock timeouts',
      'accounting: 200000 records settled (accepted or rejected), group sg\'s share-group lag fell by 200000 (of 200000 records available): match',
    ]);
    expect(shareAccountingMatches({ ...accounting, brokerSettled: 199999 })).toBe(false);
    expect(shareAccountingMatches({ ...accounting, ledger: { ...ledger, settledTwice: 1 } })).toBe(false);
    expect(shareAccountingMatches({ ...accounting, ledger: { ...ledger, deliveredAtLeastOnce: 199999 } })).toBe(false);
    // A run stopped early (Ctrl-C) delivered only some of the records: the broker's count still holds.
    expect(shareAccountingMatches({ settled: 5240, availableRecords: 100_000, brokerSettled: 5240, ledger: { ...ledger, deliveredAtLeastOnce: 18_343 } })).toBe(true);
  });
});

describe('clusters that cannot run share groups', () => {
  const range = (name: string, minVersion: number, maxVersion: number) => ({ name, minVersion, maxVersion });
  it('are refused in one line: a release before 4.2, or share.version not finalized', () => {
    expect(shareGroupsRefusal({ supported: [range('metadata.version', 7, 27)], finalized: [range('metadata.version', 27, 27), range('share.version', 1, 1)] }))
      .toBe('share groups need Kafka 4.2 or newer: the brokers run Kafka 4.1 (metadata.version 4.1-IV1)');
    expect(shareGroupsRefusal({ supported: [range('metadata.version', 7, 33)], finalized: [range('metadata.version', 33, 33)] }))
      .toBe('share groups are not enabled on this cluster: share.version is 0 (enable it with kafka-features upgrade --feature share.version=1)');
    expect(shareGroupsRefusal({ supported: [range('metadata.version', 7, 28)], finalized: [range('metadata.version', 28, 28), range('share.version', 1, 1)] })).toBeUndefined();
  });

  it('are named by cluster up on a release line before 4.2', () => {
    expect(formatShareGroupsNote('4.1.2')).toBe('note: share groups (consume --share-group) need Kafka 4.2 or newer; this cluster runs 4.1.2');
    expect(formatShareGroupsNote('3.9.2')).toBe('note: share groups (consume --share-group) need Kafka 4.2 or newer; this cluster runs 3.9.2');
    expect(formatShareGroupsNote('4.2.2')).toBeUndefined();
    expect(formatShareGroupsNote('4.4.0')).toBeUndefined();
  });
});
