import type { ConnectionOptions } from 'node:tls';
import { Connection, Writer, createAPI, type Reader } from '@platformatic/kafka';
import { brokerReleaseOf, type BrokerRelease, type FeatureRange } from '../kafka/kafka-releases.js';
import type { ClientSecurity } from '../security/client-security.js';
import { tlsConnectionOptions } from '../security/tls-options.js';

export interface ApiVersionsFeatures {
  supported: FeatureRange[];
  finalized: FeatureRange[];
}

const SUPPORTED_FEATURES_TAG = 0;
const FINALIZED_FEATURES_TAG = 2;

/** A compact array of features, each `name a b` and its own tagged fields; `order` says which of a and b is the minimum. */
function readFeatures(reader: Reader, order: 'min-max' | 'max-min'): FeatureRange[] {
  return reader.readArray((r) => {
    const name = r.readString();
    const [a, b] = [r.readInt16(), r.readInt16()];
    return order === 'min-max' ? { name, minVersion: a, maxVersion: b } : { name, minVersion: b, maxVersion: a };
  });
}

/**
 * ApiVersions v3's response with the features it carries in its tagged fields (KIP-584: SupportedFeatures,
 * FinalizedFeatures), which @platformatic/kafka's own parser skips. Its response header stays version 0.
 */
export function parseApiVersionsFeatures(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): ApiVersionsFeatures {
  const errorCode = reader.readInt16();
  if (errorCode !== 0) throw new Error(`ApiVersions answered error code ${errorCode}`);
  reader.readArray((r) => [r.readInt16(), r.readInt16(), r.readInt16()]);
  reader.readInt32(); // throttle time
  const features: ApiVersionsFeatures = { supported: [], finalized: [] };
  const fields = reader.readUnsignedVarInt();
  for (let i = 0; i < fields; i++) {
    const tag = reader.readUnsignedVarInt();
    const size = reader.readUnsignedVarInt();
    const end = reader.position + size;
    if (tag === SUPPORTED_FEATURES_TAG) features.supported = readFeatures(reader, 'min-max');
    else if (tag === FINALIZED_FEATURES_TAG) features.finalized = readFeatures(reader, 'max-min');
    reader.position = end;
  }
  return features;
}

const apiVersionsV3 = createAPI<[string, string], ApiVersionsFeatures>(18, 3,
  (name: string, version: string) => Writer.create().appendString(name).appendString(version).appendTaggedFields(),
  parseApiVersionsFeatures, true, false);

/**
 * What one broker's software is, asked with ApiVersions (allowed before SASL authentication, so TLS is the only
 * security it needs): the Kafka protocol names no broker's software version (KIP-511 tells the broker the client's,
 * not the reverse), so the release line is read from the highest metadata.version the broker supports, and the
 * cluster's finalized metadata.version is given beside it.
 */
async function brokerRelease(host: string, port: number, security: ClientSecurity, timeoutMs: number): Promise<BrokerRelease> {
  return brokerReleaseOf(await brokerFeatures(host, port, security, timeoutMs));
}

/** The features one broker's ApiVersions answer carries: what its software supports, and what the cluster finalized. */
export async function brokerFeatures(host: string, port: number, security: ClientSecurity, timeoutMs = 5000): Promise<ApiVersionsFeatures> {
  const tls: ConnectionOptions | undefined = security.tls ? tlsConnectionOptions(security.tls) : undefined;
  const connection = new Connection('datastorm-version', { connectTimeout: timeoutMs, requestTimeout: timeoutMs, ...(tls ? { tls } : {}) });
  try {
    await connection.connect(host, port);
    return await apiVersionsV3.async(connection, 'datastorm', '0');
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/**
 * The release of a cluster's brokers, each asked (a cluster being upgraded runs two): their release lines, one or
 * several joined with " + ", and the finalized metadata.version. A broker that does not answer is not counted; when none
 * does, the result goes without (it is what was measured that counts) and `log` says why.
 */
export async function clusterRelease(
  brokers: Array<{ host: string; port: number }>, security: ClientSecurity, log: (line: string) => void, timeoutMs = 5000,
): Promise<BrokerRelease | undefined> {
  const answers = await Promise.allSettled(brokers.map(({ host, port }) => brokerRelease(host, port, security, timeoutMs)));
  const releases = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []));
  if (releases.length === 0) {
    const why = answers.map((answer) => (answer.status === 'rejected' ? (answer.reason as Error).message : '')).find(Boolean);
    log(`the brokers' Kafka release could not be read (ApiVersions): ${why ?? 'no broker listed'}`);
    return undefined;
  }
  return {
    release: [...new Set(releases.map((r) => r.release))].sort().join(' + '),
    metadataVersion: releases[0].metadataVersion,
  };
}
