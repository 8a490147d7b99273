import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterDown, clusterUp, type ClusterState } from '../../src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION } from '../../src/cluster/settings.js';
import type { GatewayStats } from '../../src/gateway/gateway.js';
import type { HttpProduceResult } from '../../src/http-ingest/http-produce.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { CLI, createTopicsSettled, eventually, runCli, startCli, uniqueTopic, until } from '../helpers.js';

// Its own 3-node cluster (its own ports and folder): this test kills a broker, which the shared cluster must not see.
const dir = mkdtempSync(join(tmpdir(), 'datastorm-http-faults-'));
// Every port below the kernel's ephemeral range (32768-60999): there a client's own connection can hold it.
const layout = { brokers: 3, basePort: 29492, controllerBasePort: 19492 };
const GATEWAY_PORT = 28990;
let cluster: ClusterState;
let gateway: ChildProcess | undefined;

beforeAll(async () => { cluster = await clusterUp({ layout, kafkaVersion: DEFAULT_KAFKA_VERSION, dir }); });
afterAll(async () => {
  if (gateway?.exitCode === null) gateway.kill('SIGKILL');
  await clusterDown(dir, 5000);
  rmSync(dir, { recursive: true, force: true });
});

/** The topic's end offsets, read by a new admin client (retried while the failover settles on a busy machine). */
async function readAfterTheKill(bootstrap: string[], topic: string): Promise<number> {
  const read = async () => {
    const reader = createKafka(bootstrap, 'datastorm-http-faults-reader').admin();
    try {
      await reader.connect();
      return await topicEndOffsetTotal(reader, topic);
    } catch {
      return undefined;
    } finally {
      await reader.disconnect().catch(() => undefined);
    }
  };
  return (await eventually(read, (total) => total !== undefined, 60_000))!;
}

describe('a broker killed under the gateway', () => {
  it('every record the gateway acknowledged is stored, and only those: acknowledged (client) == acknowledged (gateway) == the topic\'s growth', async () => {
    const server = cluster.bootstrap.join(',');
    const topic = uniqueTopic('http-kill');
    const admin = createKafka(cluster.bootstrap, 'datastorm-http-faults').admin();
    await admin.connect();
    try {
      await createTopicsSettled(admin, [{ topic, numPartitions: 6, replicationFactor: 3 }]);
      gateway = spawn(process.execPath, [CLI, 'gateway', '--port', String(GATEWAY_PORT), '--bootstrap-server', server, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let gatewayOut = '';
      let gatewayErr = '';
      gateway.stdout!.setEncoding('utf8').on('data', (text: string) => { gatewayOut += text; });
      gateway.stderr!.setEncoding('utf8').on('data', (text: string) => { gatewayErr += text; });
      const gatewayExited = new Promise<number | null>((resolve) => gateway!.once('exit', (code) => resolve(code)));
      await until(() => gatewayErr.includes('gateway listening') || gateway!.exitCode !== null, 'the gateway to listen', 60_000);

      const load = startCli(['http-produce', '--url', `http://127.0.0.1:${GATEWAY_PORT}`, '--topic', topic, '--bootstrap-server', server, '--json',
        '--num-records', '60000', '--throughput', '4000', '--records-per-request', '100', '--connections', '16', '--keys', 'random', '--reporting-interval', '1000']);
      await until(() => /^[1-9]\d* records sent/m.test(load.output.stderr), 'records acknowledged before the kill', 90_000);
      const kill = runCli(['cluster', 'kill-node', '2', '--dir', dir], { timeoutMs: 60_000 });
      expect(kill.code, kill.stderr).toBe(0);
      const code = await load.exited;
      const result = JSON.parse(load.output.stdout) as HttpProduceResult;
      gateway.kill('SIGTERM');
      expect(await gatewayExited).toBe(0);
      const stats = JSON.parse(gatewayOut) as GatewayStats;
      // Read with a client that learns the cluster after the kill: the first one's metadata may still name the dead broker.
      const stored = await readAfterTheKill(cluster.bootstrap, topic);
      // What happened, for the record (docs/http-and-drain.md quotes it): the stall shows in the windows and the request latency.
      process.stderr.write(`broker kill under the gateway: exit ${code}, ${result.totals.records} acknowledged to the client, ${stats.recordsAcknowledged} by the gateway, ` +
        `${stats.recordsFailed} not written, ${stored} stored; statuses ${JSON.stringify(result.statuses)}; request p50 ${result.requestLatency.p50Us / 1000} ms, ` +
        `max ${result.requestLatency.maxUs / 1000} ms\n`);
      expect(result.accounting.match).toBe(true);
      expect(result.totals.records).toBe(stored);
      expect(stats.recordsAcknowledged).toBe(stored);
      expect(result.totals.records + result.totals.failedRecords).toBe(60_000);
      // With the producer's retries (about 40 s) the failover (about 9 s) loses nothing.
      expect(code).toBe(0);
      expect(stored).toBe(60_000);
    } finally {
      await admin.disconnect();
    }
  });
});
