import { ShareCounters } from '../src/consume/share-counters.js';
import { decideAcknowledgements } from '../src/consume/share-acknowledgements.js';
import type { ShareConsumeTask, ShareWorkerEvent } from '../src/consume/share-protocol.js';
import { ShareConsumer } from '../src/drivers/share-consumer.js';
import { AcknowledgeType, type AcknowledgementBatch } from '../src/drivers/share-group-protocol.js';

/** How often a worker looks at the shared stop flag. */
const STOP_CHECK_MS = 20;

/** An acknowledgement's counter, and its ledger plane: the same names. */
const SETTLED_AS = { [AcknowledgeType.ACCEPT]: 'accepted', [AcknowledgeType.RELEASE]: 'released', [AcknowledgeType.REJECT]: 'rejected' } as const;

/**
 * One share consumer of the group, for the whole run: acquires records, acknowledges each as the task's policy says
 * (settling at most the run's limit, releasing the rest), and counts what the broker confirmed, until the stop flag
 * is set; then its sessions close with their last acknowledgements and it leaves the group.
 */
export default async function shareConsumeWorker(task: ShareConsumeTask): Promise<void> {
  const { workerId } = task;
  const counters = ShareCounters.attach(task.counters, task.layout);
  const post = (event: ShareWorkerEvent) => task.port.postMessage(event);
  const consumer = new ShareConsumer({
    bootstrap: task.bootstrap, security: task.security, clientId: `datastorm-share-consumer-${workerId + 1}`, group: task.group, topic: task.topic,
    fetchMaxBytes: task.fetchMaxBytes, maxRecords: task.maxRecords, ackMode: task.ackMode,
  }, {
    onAcquired: (fetch) => {
      const decision = decideAcknowledgements(fetch, task.policy, (records) => (counters.stopped() ? 0 : counters.claim(records)));
      counters.add(workerId, 'acquired', decision.records);
      counters.add(workerId, 'acquiredBytes', decision.bytes);
      counters.add(workerId, 'gaps', decision.gaps);
      decision.deliveryCounts.forEach((records, i) => {
        if (records > 0) counters.addDelivery(workerId, i + 1, records);
        if (i > 0) counters.add(workerId, 'redelivered', records);
      });
      for (const batch of decision.batches) {
        if (batch.acknowledgeTypes[0] !== AcknowledgeType.GAP) counters.mark('deliveries', fetch.partition, batch.firstOffset, batch.lastOffset);
      }
      return decision.batches;
    },
    onAcknowledged: (partition, batches: readonly AcknowledgementBatch[], errorCode) => {
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
      }
    },
  });
  post({ type: 'started', workerId, atMs: Date.now() });
  const running = consumer.run();
  const stopWatch = setInterval(() => { if (counters.stopped()) consumer.stop(); }, STOP_CHECK_MS);
  try {
    await running;
  } catch (error) {
    counters.stop();
    throw error;
  } finally {
    clearInterval(stopWatch);
    task.port.close();
  }
}
