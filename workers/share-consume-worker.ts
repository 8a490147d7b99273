import { ShareCounters } from '../src/consume/share-counters.js';
import { decideAcknowledgements } from '../src/consume/share-acknowledgements.js';
import type { ShareConsumeTask, ShareWorkerEvent } from '../src/consume/share-protocol.js';
import { ShareConsumer } from '../src/drivers/share-consumer.js';
import { AcknowledgeType, type AcknowledgementBatch } from '../src/drivers/share-group-protocol.js';
import { createHistogram, encodeHistogram, recordLatencyUs } from '../src/shared/histograms.js';

/** How often a worker looks at the shared stop flag. */
const STOP_CHECK_MS = 20;

/** An acknowledgement's counter, and its ledger plane: the same names. */
const SETTLED_AS = { [AcknowledgeType.ACCEPT]: 'accepted', [AcknowledgeType.RELEASE]: 'released', [AcknowledgeType.REJECT]: 'rejected' } as const;

/**
 * One share consumer of the group, for the whole run: acquires records, acknowledges each as the task's policy says
 * (settling at most the run's limit, releasing the rest), and counts what the broker confirmed, until the stop flag
 * is set; then its sessions close with their last acknowledgements and it leaves the group. Returns its
 * acknowledgement latencies (encoded): per record, from the fetch that acquired it to the broker's confirmation of
 * its acknowledgement.
 */
export default async function shareConsumeWorker(task: ShareConsumeTask): Promise<string> {
  const { workerId } = task;
  const counters = ShareCounters.attach(task.counters, task.layout);
  const post = (event: ShareWorkerEvent) => task.port.postMessage(event);
  const ackLatency = createHistogram();
  // When each acknowledgement's records were acquired: the driver hands back the batches onAcquired returned.
  const acquiredAtNs = new WeakMap<AcknowledgementBatch, bigint>();
  const consumer = new ShareConsumer({
    bootstrap: task.bootstrap, security: task.security, clientId: `datastorm-share-consumer-${workerId + 1}`, group: task.group, topic: task.topic,
    fetchMaxBytes: task.fetchMaxBytes, maxRecords: task.maxRecords, ackMode: task.ackMode,
  }, {
    onAcquired: (fetch) => {
      const decision = decideAcknowledgements(fetch, task.policy, (records) => (counters.stopped() ? 0 : counters.claim(records)));
      const nowNs = process.hrtime.bigint();
      counters.add(workerId, 'acquired', decision.records);
      counters.add(workerId, 'acquiredBytes', decision.bytes);
      counters.add(workerId, 'gaps', decision.gaps);
      decision.deliveryCounts.forEach((records, i) => {
        if (records > 0) counters.addDelivery(workerId, i + 1, records);
        if (i > 0) counters.add(workerId, 'redelivered', records);
      });
      for (const batch of decision.batches) {
        if (batch.acknowledgeTypes[0] === AcknowledgeType.GAP) continue;
        counters.mark('deliveries', fetch.partition, batch.firstOffset, batch.lastOffset);
        acquiredAtNs.set(batch, nowNs);
      }
      return decision.batches;
    },
    onAcknowledged: (partition, batches: readonly AcknowledgementBatch[], errorCode) => {
      const nowNs = process.hrtime.bigint();
      for (const batch of batches) {
        const type = batch.acknowledgeTypes[0];
        if (type === AcknowledgeType.GAP) continue;
        const records = batch.lastOffset - batch.firstOffset + 1;
        if (errorCode !== 0) {
          counters.add(workerId, 'ackFailed', records);
          // A refused settling: the record comes back to the group, to be settled by whoever gets it next.
          if (type !== AcknowledgeType.RELEASE) counters.unclaim(records);
          continue;
        }
        counters.add(workerId, SETTLED_AS[type], records);
        counters.mark(SETTLED_AS[type], partition, batch.firstOffset, batch.lastOffset);
        const acquiredAt = acquiredAtNs.get(batch);
        if (acquiredAt !== undefined) recordLatencyUs(ackLatency, Number(nowNs - acquiredAt) / 1000, records);
      }
    },
  });
  post({ type: 'started', workerId, atMs: Date.now() });
  const running = consumer.run();
  const stopWatch = setInterval(() => { if (counters.stopped()) consumer.stop(); }, STOP_CHECK_MS);
  try {
    await running;
    return encodeHistogram(ackLatency);
  } catch (error) {
    counters.stop();
    throw error;
  } finally {
    clearInterval(stopWatch);
    task.port.close();
  }
}
