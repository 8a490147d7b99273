import kafkajs from './kafkajs.js';
import type { Kafka, KafkaConfig } from 'kafkajs';
import { registerCodecs } from './codecs.js';
import { explainConnectionFailure } from '../security/connection-errors.js';
import { PLAINTEXT, type ClientSecurity } from '../security/client-security.js';
import { kafkajsSecurity } from '../security/kafkajs-security.js';

const { Kafka: KafkaClass, logLevel } = kafkajs;

/**
 * Every producer's retries: a send is retried for about 40 s before its records count as failed, as Java's
 * producer retries until its delivery.timeout.ms (120 s). A broker killed mid-run leaves its partitions
 * leaderless for KRaft's broker session timeout (9 s here), and kafkajs's default (5 retries, about 3 s) failed
 * records that a retry would have written: in produce, and in e2e (5,472 of 40,000 records).
 */
export const PRODUCER_RETRY = { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 };

/**
 * A kafkajs client with DataStorm's defaults: quiet logs (errors are counted and reported by us), the TLS/SASL
 * options of the security (none for PLAINTEXT), and every codec Kafka has, in whichever thread asks (kafkajs has
 * only gzip; a consumer without the others fails on the first lz4, snappy or zstd batch of a topic, whoever wrote
 * it). The codec libraries load on first use.
 */
export function createKafka(brokers: string[], clientId: string, overrides: Partial<KafkaConfig> = {}, security: ClientSecurity = PLAINTEXT): Kafka {
  registerCodecs();
  return new KafkaClass({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 5, initialRetryTime: 100 },
    ...kafkajsSecurity(security),
    ...overrides,
  });
}

/** The brokers the cluster's metadata lists, or a clear error when none answers in time. */
export async function describeBrokers(
  brokers: string[],
  options: { timeoutMs?: number; security?: ClientSecurity } = {},
): Promise<Array<{ nodeId: number; host: string; port: number }>> {
  const { timeoutMs = 10_000, security = PLAINTEXT } = options;
  // A few quick retries: a broker that just died leaves partitions leaderless for seconds (LEADER_NOT_AVAILABLE),
  // which is not an unreachable cluster; one that refuses connections still fails within about 2 s.
  const admin = createKafka(brokers, 'datastorm-admin', { retry: { retries: 3, initialRetryTime: 300 } }, security).admin();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([admin.connect(), timeout]);
    const cluster = await Promise.race([admin.describeCluster(), timeout]);
    return [...cluster.brokers].sort((a, b) => a.nodeId - b.nodeId);
  } catch (error) {
    throw await explainConnectionFailure(error, brokers, security);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}
