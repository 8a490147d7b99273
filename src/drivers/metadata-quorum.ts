import { Connection, describeQuorumV2 } from '@platformatic/kafka';
import { DataStormError } from '../shared/errors.js';

/** The partition of KRaft's metadata log, whose leader is the active controller. */
const METADATA_PARTITION = { topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] };

/**
 * The node id of the active KRaft controller (the metadata quorum's leader) at this moment, asked with
 * DescribeQuorum as kafka-metadata-quorum asks it: a broker forwards it to the controller. kafkajs has no such
 * request, and under KRaft a broker's Metadata answer names any live broker as "controller". Each address is
 * tried in turn (plaintext: the local cluster's listener); one that does not answer in time is passed over.
 */
export async function activeController(bootstrap: string[], timeoutMs = 5000): Promise<number> {
  const failures: string[] = [];
  for (const address of bootstrap) {
    const separator = address.lastIndexOf(':');
    const connection = new Connection('datastorm-quorum', { connectTimeout: timeoutMs, requestTimeout: timeoutMs });
    try {
      await connection.connect(address.slice(0, separator), Number(address.slice(separator + 1)));
      const response = await describeQuorumV2.api.async(connection, [METADATA_PARTITION]);
      const leaderId = response.topics[0]?.partitions[0]?.leaderId ?? -1;
      if (leaderId >= 0) return leaderId;
      failures.push(`${address}: no leader of the metadata quorum`);
    } catch (error) {
      failures.push(`${address}: ${(error as Error).message}`);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
  throw new DataStormError('DS_UNREACHABLE', `no broker named the active controller (${failures.join('; ')})`);
}
