import { DataStormError } from '../shared/errors.js';

/**
 * The Apache Kafka release lines DataStorm runs as its local cluster and is tested against (npm run test:compat),
 * oldest first: 3.9, the last line with ZooKeeper and the first whose KRaft has everything the cluster uses, to the
 * newest on Maven Central. docs/kafka-versions.md says what each was seen to do.
 */
export const KAFKA_RELEASE_LINES = ['3.9', '4.0', '4.1', '4.2', '4.3', '4.4'] as const;
export type KafkaReleaseLine = (typeof KAFKA_RELEASE_LINES)[number];

/** The release of each line that npm run test:compat starts and smoke-tests: the newest patch Maven Central serves here. */
export const TESTED_RELEASES = ['3.9.2', '4.0.2', '4.1.2', '4.2.2', '4.3.2', '4.4.0'] as const;

/** A release as `--kafka-version` names it (4.3.1): its line decides the cluster's settings and the tools' flags. */
export interface KafkaRelease {
  version: string;
  line: KafkaReleaseLine;
}

const RELEASE = /^(\d+)\.(\d+)\.(\d+)(?:-[A-Za-z0-9.]+)?$/;

/** The supported releases in words: 3.9.x to 4.4.x. */
export const supportedRange = (): string => `${KAFKA_RELEASE_LINES[0]}.x to ${KAFKA_RELEASE_LINES[KAFKA_RELEASE_LINES.length - 1]}.x`;

/**
 * The release a version names, or a one-line error when it is not major.minor.patch or not of a supported line:
 * said before anything is downloaded or started. `source` names where the version came from (--kafka-version, KAFKA_HOME=...).
 */
export function kafkaRelease(version: string, source = '--kafka-version'): KafkaRelease {
  const match = RELEASE.exec(version);
  const line = match ? `${Number(match[1])}.${Number(match[2])}` : undefined;
  const supported = KAFKA_RELEASE_LINES.find((known) => known === line);
  if (!supported) {
    throw new DataStormError('DS_BAD_OPTION', match
      ? `${source} ${version}: DataStorm runs Apache Kafka ${supportedRange()}`
      : `${source} "${version}" is not a Kafka release (major.minor.patch, e.g. 4.3.1)`, {
      hint: `give a release from ${supportedRange()} (docs/kafka-versions.md lists those tested), or --bootstrap-server for a cluster of another version`,
    });
  }
  return { version, line: supported };
}

/** Whether a release line is `line` or newer. */
export function isAtLeast(release: KafkaRelease | KafkaReleaseLine, line: KafkaReleaseLine): boolean {
  const own = typeof release === 'string' ? release : release.line;
  return KAFKA_RELEASE_LINES.indexOf(own) >= KAFKA_RELEASE_LINES.indexOf(line);
}

/** A feature's range as a broker's ApiVersions answer gives it (KIP-584): supported by its software, or finalized for the cluster. */
export interface FeatureRange {
  name: string;
  minVersion: number;
  maxVersion: number;
}

/** What a broker's software is, as far as the protocol tells. */
export interface BrokerRelease {
  /** The release line of its software (4.3): the line of the highest metadata.version it supports. Patch releases look alike. */
  release: string;
  /** The cluster's finalized metadata.version (4.3-IV0): what it runs with, lower than the release's while an upgrade is not finalized. */
  metadataVersion: string;
}

/**
 * metadata.version's feature levels by name (Kafka's MetadataVersion, server-common), from 3.9's on: each release's
 * brokers support up to the newest production level of their own line (unless unstable.metadata.versions.enable).
 */
export const METADATA_VERSIONS: ReadonlyArray<readonly [level: number, name: string]> = [
  [21, '3.9-IV0'], [22, '4.0-IV0'], [23, '4.0-IV1'], [24, '4.0-IV2'], [25, '4.0-IV3'], [26, '4.1-IV0'], [27, '4.1-IV1'], [28, '4.2-IV0'],
  [29, '4.2-IV1'], [30, '4.3-IV0'], [31, '4.4-IV0'], [32, '4.4-IV1'], [33, '4.4-IV2'],
];

/** A level's name (4.0-IV3), or what is known of a level outside the table. */
export function metadataVersionName(level: number): string {
  const known = METADATA_VERSIONS.find(([own]) => own === level);
  if (known) return known[1];
  const [oldest] = METADATA_VERSIONS[0];
  return level < oldest ? `level ${level} (before 3.9)` : `level ${level} (after ${METADATA_VERSIONS[METADATA_VERSIONS.length - 1][1]})`;
}

/** The broker's release line and the cluster's metadata.version, from the features its ApiVersions answer carried. */
export function brokerReleaseOf(features: { supported: FeatureRange[]; finalized: FeatureRange[] }): BrokerRelease {
  const supported = features.supported.find((f) => f.name === 'metadata.version');
  const finalized = features.finalized.find((f) => f.name === 'metadata.version');
  const lineOf = (level: number) => {
    const name = metadataVersionName(level);
    return /^\d+\.\d+-IV\d+$/.test(name) ? name.replace(/-IV\d+$/, '') : name;
  };
  return {
    release: supported ? lineOf(supported.maxVersion) : 'unknown (no metadata.version: not a KRaft broker of 3.3 or later)',
    metadataVersion: finalized ? metadataVersionName(finalized.maxVersion) : 'not finalized',
  };
}

/** `Kafka 4.3 (metadata.version 4.3-IV0)`: how reports and comparisons name the brokers' release. */
export function formatBrokerRelease(kafka: BrokerRelease): string {
  return `Kafka ${kafka.release} (metadata.version ${kafka.metadataVersion})`;
}

/** The first release line whose share groups (KIP-932, Queues for Kafka) are generally available. */
export const SHARE_GROUPS_LINE = '4.2' satisfies KafkaReleaseLine;

/** What `cluster up` says on a release line without share groups, so that `consume --share-group` is no surprise. */
export function formatShareGroupsNote(version: string): string | undefined {
  return lineAtLeast(version, SHARE_GROUPS_LINE) ? undefined
    : `note: share groups (consume --share-group) need Kafka ${SHARE_GROUPS_LINE} or newer; this cluster runs ${version}`;
}

/** Whether a version or release line (4.1.2, 4.1) is of `line` or a newer one, by its numbers (any line, known or not). */
function lineAtLeast(version: string, line: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  const [needMajor, needMinor] = line.split('.').map(Number);
  return major > needMajor || (major === needMajor && minor >= needMinor);
}

/**
 * Why a cluster cannot run share groups, from a broker's features (undefined when it can): its software is older than
 * 4.2, or the cluster has not finalized share.version (a cluster upgraded from an older release keeps it at 0).
 */
export function shareGroupsRefusal(features: { supported: FeatureRange[]; finalized: FeatureRange[] }): string | undefined {
  const broker = brokerReleaseOf(features);
  if (!lineAtLeast(broker.release, SHARE_GROUPS_LINE)) {
    return `share groups need Kafka ${SHARE_GROUPS_LINE} or newer: the brokers run ${formatBrokerRelease(broker)}`;
  }
  const shareVersion = features.finalized.find((f) => f.name === 'share.version')?.maxVersion ?? 0;
  if (shareVersion < 1) return `share groups are not enabled on this cluster: share.version is ${shareVersion} (enable it with kafka-features upgrade --feature share.version=1)`;
  return undefined;
}
