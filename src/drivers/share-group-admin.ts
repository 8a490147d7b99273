import { Connection, findCoordinatorV6, incrementalAlterConfigsV1 } from '@platformatic/kafka';
import { platformaticSecurity } from '../security/platformatic-security.js';
import type { ClientSecurity } from '../security/client-security.js';
import { DataStormError } from '../shared/errors.js';
import { retriedWithin } from '../shared/retry.js';
import { CONNECT_TIMEOUT_MS } from './platformatic-driver.js';
import { describeShareGroupOffsetsV1, type ShareGroupOffsetsPartition } from './share-group-protocol.js';

/**
 * A share group's admin steps, as Kafka's Admin client takes them: its share.auto.offset.reset (a GROUP resource's
 * config, through IncrementalAlterConfigs, as kafka-configs --entity-type groups sets it), and its offsets on a
 * topic (DescribeShareGroupOffsets at the group's coordinator, as kafka-share-groups --describe --offsets asks).
 */

const GROUP_RESOURCE = 32;
const SET = 0;
const GROUP_COORDINATOR = 0;
const REQUEST_TIMEOUT_MS = 10_000;

/** How long an admin step waits for a group coordinator that is not there yet (a cluster just started creates its offsets topic on first use). */
const COORDINATOR_WAIT_MS = 30_000;
const RETRY_MS = 500;

/** `call`, tried again while it fails, for COORDINATOR_WAIT_MS; then its last error, as the coordinator not answering. */
async function untilCoordinatorAnswers<T>(what: string, call: () => Promise<T>): Promise<T> {
  return retriedWithin(call, { forMs: COORDINATOR_WAIT_MS, pauseMs: () => RETRY_MS }).catch((error: Error) => {
    throw new DataStormError('DS_UNREACHABLE', `${what}: no answer within ${COORDINATOR_WAIT_MS / 1000} s (${error.message})`, { cause: error });
  });
}

/** `use` on a connection to the first address that answers. */
async function onAnyBroker<T>(bootstrap: string[], security: ClientSecurity, use: (connection: Connection) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (const address of bootstrap) {
    const separator = address.lastIndexOf(':');
    const connection = new Connection('datastorm-share-admin', { connectTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, ...platformaticSecurity(security) });
    try {
      await connection.connect(address.slice(0, separator), Number(address.slice(separator + 1)));
      return await use(connection);
    } catch (error) {
      lastError = error;
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
  throw lastError;
}

/** A group config, set (share.auto.offset.reset=earliest: a share group's first read of a partition starts at its log start). */
export async function setGroupConfig(bootstrap: string[], security: ClientSecurity, group: string, name: string, value: string): Promise<void> {
  await onAnyBroker(bootstrap, security, async (connection) => {
    const response = await incrementalAlterConfigsV1.api.async(connection, [
      { resourceType: GROUP_RESOURCE as 32, resourceName: group, configs: [{ name, configOperation: SET, value }] },
    ], false);
    const refused = response.responses.find((r) => r.errorCode !== 0);
    if (refused) {
      throw new DataStormError('DS_UNEXPECTED', `the brokers refused ${name}=${value} for group ${group}: error code ${refused.errorCode}${refused.errorMessage ? ` (${refused.errorMessage})` : ''}`);
    }
  });
}

/** A share group's standing per partition: start offset -1 and lag -1 where it has not started. */
export type ShareGroupStanding = Pick<ShareGroupOffsetsPartition, 'startOffset' | 'lag'>;

/**
 * What the group's coordinator says of its offsets: on `topic`'s partitions, or (null) on every topic-partition it
 * has started on (DescribeShareGroupOffsets with null topics, as kafka-share-groups --describe --offsets asks).
 */
async function describeShareGroupOffsets(bootstrap: string[], security: ClientSecurity, group: string, topic: { name: string; partitions: number[] } | null) {
  const described = await untilCoordinatorAnswers(`group ${group}'s coordinator`, () => onAnyBroker(bootstrap, security, async (connection) => {
    // FindCoordinator answers an error (COORDINATOR_NOT_AVAILABLE) until the group's offsets partition has a leader.
    const lookup = await findCoordinatorV6.api.async(connection, GROUP_COORDINATOR, [group]);
    const found = lookup.coordinators[0];
    const coordinator = new Connection('datastorm-share-admin', { connectTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, ...platformaticSecurity(security) });
    try {
      await coordinator.connect(found.host, found.port);
      const [group0] = (await describeShareGroupOffsetsV1.async(coordinator, group, topic)).groups;
      if (!group0 || group0.errorCode !== 0) {
        throw new Error(`DescribeShareGroupOffsets answered error code ${group0?.errorCode ?? 'none'}${group0?.errorMessage ? ` (${group0.errorMessage})` : ''}`);
      }
      return group0;
    } finally {
      await coordinator.close().catch(() => undefined);
    }
  }));
  for (const t of described.topics) {
    const refused = t.partitions.find((p) => p.errorCode !== 0);
    if (refused) throw new Error(`DescribeShareGroupOffsets answered error code ${refused.errorCode} for ${t.topicName} partition ${refused.partitionIndex}`);
  }
  return described.topics;
}

/** Where a share group stands on each partition of a topic. */
export async function shareGroupOffsets(bootstrap: string[], security: ClientSecurity, group: string, topic: string, partitions: number): Promise<ShareGroupStanding[]> {
  const indexes = Array.from({ length: partitions }, (_, p) => p);
  const found = (await describeShareGroupOffsets(bootstrap, security, group, { name: topic, partitions: indexes })).find((t) => t.topicName === topic)?.partitions ?? [];
  return indexes.map((p) => {
    const partition = found.find((f) => f.partitionIndex === p);
    return { startOffset: partition?.startOffset ?? -1, lag: partition?.lag ?? -1 };
  });
}

/** Where a share group stands on every topic-partition it has started on, by topic. */
export async function shareGroupAllOffsets(bootstrap: string[], security: ClientSecurity, group: string): Promise<Map<string, Array<ShareGroupStanding & { partition: number }>>> {
  const topics = await describeShareGroupOffsets(bootstrap, security, group, null);
  return new Map(topics.map((t) => [t.topicName, t.partitions.map((p) => ({ partition: p.partitionIndex, startOffset: p.startOffset, lag: p.lag }))]));
}
