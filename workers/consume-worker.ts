import { ConsumeCounters } from '../src/consume/consume-counters.js';
import { identitiesOf, type ConsumeTask, type WorkerEvent, type WorkerOutcome } from '../src/consume/consume-protocol.js';
import { LatencyRecorder } from '../src/consume/e2e-latency.js';
import { epochUs } from '../src/shared/clock.js';
import { recordBytes, type ConsumerDriver } from '../src/drivers/consumer-driver.js';
import { driverOf } from '../src/drivers/driver-registry.js';
import { SchemaDecoder } from '../src/registry/schema-decoder.js';

/** How often a worker looks at the shared stop flag. */
const STOP_CHECK_MS = 20;
/** Longest wait for the other consumers to commit before leaving the group (one may have failed). */
const COMMIT_BARRIER_TIMEOUT_MS = 5000;

function waitFor(condition: () => boolean, timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = () => (condition() || Date.now() >= deadline ? resolve() : setTimeout(check, STOP_CHECK_MS));
    check();
  });
}

/**
 * Commits, for the partitions this consumer holds, the offset after the last record counted there. A commit
 * refused because a rebalance began is left to the main thread, which checks every partition after the run.
 */
async function commitCounted(driver: ConsumerDriver, partitions: number[], counters: ConsumeCounters): Promise<void> {
  if (partitions.length === 0) return;
  await driver.commit(partitions.map((partition) => ({ partition, offset: counters.nextOffset(partition) }))).catch(() => undefined);
}

/**
 * One consumer of the group, for the whole run, through the task's driver: counts (and, end to end, times) the
 * records the shared counters let it claim, until the stop flag is set; then commits what was counted in its
 * partitions and leaves the group once every consumer has committed.
 */
export default async function consumeWorker(task: ConsumeTask): Promise<WorkerOutcome> {
  const { workerId } = task;
  const counters = ConsumeCounters.attach(task.counters, task.layout);
  const post = (event: WorkerEvent) => task.port.postMessage(event);
  const latency = task.measureLatency ? new LatencyRecorder(task.latencyWindowMs) : undefined;
  const driver = await driverOf(task.driver).createConsumer({
    bootstrap: task.bootstrap, security: task.security, clientId: `datastorm-consumer-${workerId}`,
    // Only end to end (each record's timestamp) and decoding need each record: a counting run reads batches as runs of offsets.
    topic: task.topic, group: task.group, fetchSizeBytes: task.fetchSizeBytes, countOnly: !task.measureLatency && !task.registry,
  });
  const decoder = task.registry && new SchemaDecoder(task.registry);
  // Decoding waits for the ids it has not looked up yet: the batches' decodes run in turn, the last awaited before the outcome.
  let decoding = Promise.resolve();

  let records = 0;
  let payloadBytes = 0;
  let rebalanceMs = 0;
  // Like Kafka's ConsumerPerfRebListener: time without partitions, from the start or a rebalance to the next assignment.
  let joinStartMs: number | undefined = Date.now();
  let assigned: number[] = [];
  let failure: Error | undefined;
  const addCounted = (count: number, bytes: number) => {
    records += count;
    payloadBytes += bytes;
    counters.addCounted(workerId, count, bytes);
  };

  post({ type: 'started', workerId, atMs: joinStartMs });
  try {
    await driver.start({
      onAssigned: ({ memberId, partitions }) => {
        const atMs = Date.now();
        if (joinStartMs !== undefined) {
          rebalanceMs += atMs - joinStartMs;
          counters.addRebalanceMs(workerId, atMs - joinStartMs);
          joinStartMs = undefined;
        }
        assigned = partitions;
        // Resume where the group's counting stands, not at the last commit: nothing is read twice or skipped.
        for (const partition of assigned) driver.seek(partition, counters.nextOffset(partition));
        post({ type: 'assigned', workerId, atMs, memberId, partitions: assigned });
      },
      onRebalancing: () => {
        joinStartMs ??= Date.now();
        assigned = [];
        post({ type: 'rebalancing', workerId, atMs: joinStartMs });
      },
      onBatch: (batch) => {
        if (counters.stopped()) return;
        const [receivedUs, receivedMs] = [epochUs(), Date.now()];
        const { skip, count } = counters.claim(batch.partition, batch.records.map((r) => r.offset));
        let bytes = 0;
        for (let i = skip; i < skip + count; i += 1) bytes += recordBytes(batch.records[i]);
        latency?.recordBatch(batch.records, skip, skip + count, receivedUs, receivedMs);
        if (count > 0 && task.verify) post({ type: 'read', workerId, partition: batch.partition, identities: identitiesOf(batch.records, skip, skip + count) });
        if (count > 0) addCounted(count, bytes);
        if (decoder && count > 0) {
          const values = batch.records.slice(skip, skip + count).map((record) => record.value);
          decoding = decoding.then(() => decoder.lookUpIds(values)).then(() => decoder.decode(values))
            .catch((error: Error) => { failure ??= error; counters.stop(); });
          return decoding;
        }
      },
      onCountedBatch: ({ partition, runs }) => {
        for (const run of runs) {
          if (counters.stopped()) return;
          if (run.marker) {
            counters.passMarker(workerId, partition, run.firstOffset);
            continue;
          }
          const { skip, count } = run.offsets ? counters.claim(partition, run.offsets) : counters.claimRun(partition, run.firstOffset, run.count);
          if (count > 0) addCounted(count, run.payloadBytes(skip, skip + count));
        }
      },
      onFailure: (error) => {
        failure ??= error;
        counters.stop();
      },
    });
    await waitFor(() => counters.stopped() || failure !== undefined);
    await decoding;
    if (!failure) await commitCounted(driver, assigned, counters);
  } catch (error) {
    counters.stop();
    throw error;
  } finally {
    counters.markCommitted();
    await waitFor(() => counters.committedWorkers() >= task.layout.workers, COMMIT_BARRIER_TIMEOUT_MS);
    // After its last event: once the main thread sees the port close, it has every event.
    await driver.close().finally(() => task.port.close());
    await decoder?.close();
  }
  if (failure) throw failure;
  return { workerId, records, payloadBytes, rebalanceMs, ...latency?.outcome(), ...(decoder ? { schemas: decoder.result() } : {}) };
}
