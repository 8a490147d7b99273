import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compareDigests, DigestBuilder, keyLabel, NULL_KEY, type PassDigest } from '../../src/consume/replay-digest.js';
import { formatDiff, formatPassLine, formatVerdict } from '../../src/consume/replay-report.js';
import type { PassResult, ReplayResult } from '../../src/consume/replay.js';
import { PLAINTEXT } from '../../src/security/client-security.js';

const b = (text: string) => Buffer.from(text);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function digestOf(records: Array<[number, string | null, string | null]>, partitions = 3): PassDigest {
  const builder = new DigestBuilder();
  for (const [partition, key, value] of records) builder.add(partition, key === null ? null : b(key), value === null ? null : b(value));
  return builder.finish(partitions);
}

describe('DigestBuilder', () => {
  it('hashes each partition\'s length-prefixed keys and values in order, then the partition digests in partition order', () => {
    const digest = digestOf([[0, 'k1', 'v1'], [1, 'k1', null], [0, null, 'v2']]);
    const partition0 = Buffer.from('00000002' + '6b31' + '00000002' + '7631' + 'ffffffff' + '00000002' + '7632', 'hex');
    const partition1 = Buffer.from('00000002' + '6b31' + 'ffffffff', 'hex');
    const expected = [sha256(partition0), sha256(partition1), sha256(Buffer.alloc(0))];
    expect(digest.partitions).toEqual([
      { partition: 0, records: 2, sha256: expected[0] },
      { partition: 1, records: 1, sha256: expected[1] },
      { partition: 2, records: 0, sha256: expected[2] },
    ]);
    expect(digest.sha256).toBe(sha256(Buffer.concat(expected.map((hex) => Buffer.from(hex, 'hex')))));
    expect(digest.sha256).toBe('d11f529f96538e4f981e383b72cf311d0b8af4d2e5035da47357ce5991133785');
    expect(digest.records).toBe(3);
    expect(digest.keyCounts).toEqual({ [NULL_KEY]: 1, k1: 2 });
  });

  it('tells apart records that concatenate alike, and the same records in another order', () => {
    expect(digestOf([[0, 'ab', 'c']]).sha256).not.toBe(digestOf([[0, 'a', 'bc']]).sha256);
    expect(digestOf([[0, '', 'x']]).sha256).not.toBe(digestOf([[0, null, 'x']]).sha256);
    expect(digestOf([[0, 'a', '1'], [0, 'b', '2']]).sha256).not.toBe(digestOf([[0, 'b', '2'], [0, 'a', '1']]).sha256);
    expect(digestOf([[0, 'a', '1']]).sha256).not.toBe(digestOf([[1, 'a', '1']]).sha256);
  });

  it('labels keys as UTF-8 text, other bytes as hex', () => {
    expect(keyLabel(b('order-7'))).toBe('order-7');
    expect(keyLabel(Buffer.from([0xff, 0x00, 0x10]))).toBe('0xff0010');
    expect(keyLabel(null)).toBe(NULL_KEY);
  });
});

describe('compareDigests and the replay report', () => {
  const first = digestOf([[0, 'a', '1'], [1, 'b', '2'], [1, 'a', '3']]);
  const second = digestOf([[0, 'a', '1'], [1, 'b', '2'], [1, 'a', '3'], [1, 'c', '4'], [2, 'a', '5'], [2, 'a', '6']]);
  const pass = (digest: PassDigest, records: number): PassResult =>
    ({ ...digest, startOffsets: [0, 0, 0], endOffsets: [], expectedRecords: records, durationMs: 12 });

  it('matches identical passes', () => {
    expect(compareDigests(first, digestOf([[1, 'b', '2'], [0, 'a', '1'], [1, 'a', '3']]))).toEqual({ match: true, partitions: [], keys: [] });
  });

  it('lists the partitions and the keys that differ, largest difference first', () => {
    const diff = compareDigests(first, second);
    expect(diff.match).toBe(false);
    expect(diff.partitions.map((p) => [p.partition, p.first.records, p.second.records])).toEqual([[1, 2, 3], [2, 0, 2]]);
    expect(diff.keys).toEqual([{ key: 'a', first: 2, second: 4 }, { key: 'c', first: 0, second: 1 }]);
    expect(formatDiff(diff)).toEqual([
      `  partition 1: 2 → 3 records, sha256 ${first.partitions[1].sha256.slice(0, 12)}… → ${second.partitions[1].sha256.slice(0, 12)}…`,
      `  partition 2: 0 → 2 records, sha256 ${first.partitions[2].sha256.slice(0, 12)}… → ${second.partitions[2].sha256.slice(0, 12)}…`,
      '  key "a": 2 → 4 (+2)',
      '  key "c": 0 → 1 (+1)',
    ]);
  });

  it('prints one line per pass and the verdict', () => {
    const failed: ReplayResult = {
      schemaVersion: 1, command: 'replay-check', startedAt: '', diff: compareDigests(first, second), match: false,
      config: { driver: 'kafkajs', bootstrap: [], security: PLAINTEXT, topic: 't', group: 'g', timeoutMs: 1 }, passes: [pass(first, 3), pass(second, 7)],
    };
    expect(formatPassLine(1, failed.passes[0])).toBe(`pass 1: 3 records (= the broker's offsets), 2 distinct keys, sha256 ${first.sha256}, 12 ms`);
    expect(formatPassLine(2, failed.passes[1])).toBe(`pass 2: 6 records (≠ 7 by the broker's offsets), 3 distinct keys, sha256 ${second.sha256}, 12 ms`);
    expect(formatVerdict(failed)).toBe('replay check FAILED: pass 1 read 3 records, pass 2 read 6; the digests or key counts differ');
    expect(formatVerdict({ ...failed, match: true, passes: [pass(first, 3), pass(first, 3)] }))
      .toBe(`replay check passed: both passes read the same 3 records in the same order (sha256 ${first.sha256})`);
  });
});
