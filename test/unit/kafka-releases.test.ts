import { Reader } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { parseApiVersionsFeatures } from '../../src/drivers/broker-version.js';
import {
  KAFKA_RELEASE_LINES, METADATA_VERSIONS, TESTED_RELEASES, brokerReleaseOf, isAtLeast, kafkaRelease, metadataVersionName,
} from '../../src/kafka/kafka-releases.js';
import { DataStormError } from '../../src/shared/errors.js';
import { errorOf } from '../helpers.js';

describe('kafkaRelease', () => {
  it('takes a release of each supported line, and knows which is newer', () => {
    expect(TESTED_RELEASES.map((version) => kafkaRelease(version).line)).toEqual([...KAFKA_RELEASE_LINES]);
    expect(kafkaRelease('3.9.0')).toEqual({ version: '3.9.0', line: '3.9' });
    expect(kafkaRelease('4.4.0-rc1')).toEqual({ version: '4.4.0-rc1', line: '4.4' });
    expect(isAtLeast(kafkaRelease('4.2.2'), '4.2')).toBe(true);
    expect(isAtLeast(kafkaRelease('4.1.2'), '4.2')).toBe(false);
    expect(isAtLeast('4.4', '3.9')).toBe(true);
  });

  it('refuses in one line a release outside the supported lines, or what is not a release, naming the range', () => {
    const hint = 'give a release from 3.9.x to 4.4.x (docs/kafka-versions.md lists those tested), or --bootstrap-server for a cluster of another version';
    for (const [version, message] of [
      ['3.8.1', '--kafka-version 3.8.1: DataStorm runs Apache Kafka 3.9.x to 4.4.x'],
      ['4.5.0', '--kafka-version 4.5.0: DataStorm runs Apache Kafka 3.9.x to 4.4.x'],
      ['2.8.2', '--kafka-version 2.8.2: DataStorm runs Apache Kafka 3.9.x to 4.4.x'],
      ['4.3', '--kafka-version "4.3" is not a Kafka release (major.minor.patch, e.g. 4.3.1)'],
      ['latest', '--kafka-version "latest" is not a Kafka release (major.minor.patch, e.g. 4.3.1)'],
    ]) {
      const error = errorOf(() => kafkaRelease(version));
      expect(error).toBeInstanceOf(DataStormError);
      expect(error).toMatchObject({ code: 'DS_BAD_OPTION', message, hint });
    }
    expect(errorOf(() => kafkaRelease('3.7.0', 'KAFKA_HOME=/opt/kafka holds Kafka')).message)
      .toBe('KAFKA_HOME=/opt/kafka holds Kafka 3.7.0: DataStorm runs Apache Kafka 3.9.x to 4.4.x');
  });
});

/** Kafka's wire encoding of what a test needs: big-endian integers, unsigned varints, compact strings and arrays. */
const int16 = (value: number) => { const b = Buffer.alloc(2); b.writeInt16BE(value); return b; };
const int32 = (value: number) => { const b = Buffer.alloc(4); b.writeInt32BE(value); return b; };
const uvarint = (value: number): Buffer => {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) { bytes.push((rest & 0x7f) | 0x80); rest >>>= 7; }
  bytes.push(rest);
  return Buffer.from(bytes);
};
const compactString = (text: string) => Buffer.concat([uvarint(Buffer.byteLength(text) + 1), Buffer.from(text)]);
const compactArray = (items: Buffer[]) => Buffer.concat([uvarint(items.length + 1), ...items]);
const NO_TAGS = uvarint(0);
const tagged = (tag: number, body: Buffer) => Buffer.concat([uvarint(tag), uvarint(body.length), body]);

/** An ApiVersions v3 response body as a broker sends it: two APIs, then its features in tagged fields 0 to 3. */
function apiVersionsResponse(supported: Array<[string, number, number]>, finalized: Array<[string, number, number]>): Buffer {
  const apiKeys = compactArray([[0, 3, 12], [18, 0, 4]].map(([key, min, max]) => Buffer.concat([int16(key), int16(min), int16(max), NO_TAGS])));
  const features = (list: Array<[string, number, number]>) => compactArray(list.map(([name, a, b]) => Buffer.concat([compactString(name), int16(a), int16(b), NO_TAGS])));
  const epoch = Buffer.alloc(8);
  epoch.writeBigInt64BE(7n);
  return Buffer.concat([
    int16(0), apiKeys, int32(0),
    uvarint(4), tagged(0, features(supported)), tagged(1, epoch), tagged(2, features(finalized)), tagged(3, Buffer.from([0])),
  ]);
}

describe('the brokers\' release, from ApiVersions (KIP-584 features)', () => {
  it('reads the supported and finalized features a broker sends in ApiVersions v3\'s tagged fields', () => {
    // SupportedFeatures hold min then max; FinalizedFeatures max level then min level.
    const body = apiVersionsResponse([['kraft.version', 0, 1], ['metadata.version', 7, 27]], [['metadata.version', 27, 27], ['kraft.version', 0, 0]]);
    expect(parseApiVersionsFeatures(1, 18, 3, Reader.from(body))).toEqual({
      supported: [{ name: 'kraft.version', minVersion: 0, maxVersion: 1 }, { name: 'metadata.version', minVersion: 7, maxVersion: 27 }],
      finalized: [{ name: 'metadata.version', minVersion: 27, maxVersion: 27 }, { name: 'kraft.version', minVersion: 0, maxVersion: 0 }],
    });
  });

  it('names the release line by the highest metadata.version the software supports, and the finalized one beside it', () => {
    const range = (name: string, minVersion: number, maxVersion: number) => ({ name, minVersion, maxVersion });
    expect(brokerReleaseOf({ supported: [range('metadata.version', 7, 21)], finalized: [range('metadata.version', 21, 21)] }))
      .toEqual({ release: '3.9', metadataVersion: '3.9-IV0' });
    const [newestLevel, newestName] = METADATA_VERSIONS[METADATA_VERSIONS.length - 1];
    // Software of the newest line on a cluster whose metadata.version was not finalized after an upgrade from 3.9.
    expect(brokerReleaseOf({ supported: [range('metadata.version', 7, newestLevel)], finalized: [range('metadata.version', 21, 21)] }))
      .toEqual({ release: newestName.replace(/-IV\d+$/, ''), metadataVersion: '3.9-IV0' });
    expect(brokerReleaseOf({ supported: [range('metadata.version', 7, newestLevel + 1)], finalized: [] }))
      .toEqual({ release: `level ${newestLevel + 1} (after ${newestName})`, metadataVersion: 'not finalized' });
    expect(brokerReleaseOf({ supported: [], finalized: [] }).release).toBe('unknown (no metadata.version: not a KRaft broker of 3.3 or later)');
    expect(metadataVersionName(20)).toBe('level 20 (before 3.9)');
  });

  it('knows every level from 3.9\'s to the newest line\'s, each named by its line, in order', () => {
    const levels = METADATA_VERSIONS.map(([level]) => level);
    expect(levels).toEqual(levels.map((_, i) => levels[0] + i));
    const lines = [...new Set(METADATA_VERSIONS.map(([, name]) => name.replace(/-IV\d+$/, '')))];
    expect(lines).toEqual([...KAFKA_RELEASE_LINES]);
  });
});
