import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../../src/kafka/kafkajs.js';
import { withCoordinatorRetries } from '../../src/kafka/transaction-coordinator.js';

const require = createRequire(import.meta.url);
const FAST = { deadlineMs: 200, backoffMs: 1, maxBackoffMs: 5 };
const protocolError = (type: string) => Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type });

describe('a transaction coordinator\'s requests', () => {
  it('are retried on a coordinator that moved, found again first', async () => {
    const found: string[] = [];
    const answered = await withCoordinatorRetries(async (broker: string) => {
      if (broker === 'node 1') throw protocolError('NOT_COORDINATOR');
      return `committed at ${broker}`;
    }, 'node 1', async () => { found.push('node 2'); return 'node 2'; }, FAST);
    expect(answered).toBe('committed at node 2');
    expect(found).toEqual(['node 2']);
  });

  it('are retried while the coordinator loads or the markers are written, and after a lost connection', async () => {
    const failures = [protocolError('COORDINATOR_LOAD_IN_PROGRESS'), protocolError('CONCURRENT_TRANSACTIONS'), Object.assign(new Error('closed'), { name: 'KafkaJSConnectionClosedError' })];
    let calls = 0;
    await expect(withCoordinatorRetries(async () => { calls++; if (failures.length) throw failures.shift(); return 'ok'; }, 'b', async () => 'b', FAST)).resolves.toBe('ok');
    expect(calls).toBe(4);
  });

  it('are retried when kafkajs\'s own lookup ran out of retries on a refused connection, and its coordinator is found again', async () => {
    const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9094'), { name: 'KafkaJSConnectionError' });
    const ranOut = Object.assign(new Error(refused.message), { name: 'KafkaJSNumberOfRetriesExceeded', cause: refused });
    const lookups = [ranOut];
    await expect(withCoordinatorRetries(async (broker: string) => broker, undefined, async () => { if (lookups.length) throw lookups.shift(); return 'node 2'; }, FAST))
      .resolves.toBe('node 2');
  });

  it('fail at once on an error no retry fixes, and with the last error once the deadline passed', async () => {
    let finds = 0;
    await expect(withCoordinatorRetries(async () => { throw protocolError('INVALID_PRODUCER_EPOCH'); }, 'b', async () => { finds++; return 'b'; }, FAST))
      .rejects.toThrow('INVALID_PRODUCER_EPOCH');
    expect(finds).toBe(0);
    await expect(withCoordinatorRetries(async () => { throw protocolError('NOT_COORDINATOR'); }, 'b', async () => 'b', FAST)).rejects.toThrow('NOT_COORDINATOR');
  });

  it('let kafkajs\'s own transaction manager commit after its coordinator moved (it lost the producer before: NOT_COORDINATOR)', async () => {
    const createEosManager = require('kafkajs/src/producer/eosManager/index.js') as (options: object) => {
      initProducerId(): Promise<void>; beginTransaction(): void; addPartitionsToTransaction(topics: object[]): Promise<void>; commit(): Promise<void>; isInTransaction(): boolean;
    };
    const requests: string[] = [];
    const coordinator = (node: number) => ({
      initProducerId: async () => ({ producerId: 7, producerEpoch: 0 }),
      addPartitionsToTxn: async () => { requests.push(`addPartitionsToTxn at ${node}`); },
      endTxn: async ({ transactionResult }: { transactionResult: boolean }) => {
        requests.push(`endTxn ${transactionResult ? 'commit' : 'abort'} at ${node}`);
        // The coordinator moves to node 2 as node 1 gets the commit.
        if (node === 1) { coordinatorNode = 2; throw protocolError('NOT_COORDINATOR'); }
      },
    });
    let coordinatorNode = 1;
    const cluster = {
      retry: { retries: 0 },
      refreshMetadataIfNecessary: async () => undefined,
      findGroupCoordinator: async () => coordinator(coordinatorNode),
    };
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'datastorm-test' });
    await eos.initProducerId();
    eos.beginTransaction();
    await eos.addPartitionsToTransaction([{ topic: 't', partitions: [{ partition: 0 }] }]);
    await eos.commit();
    expect(requests).toEqual(['addPartitionsToTxn at 1', 'endTxn commit at 1', 'endTxn commit at 2']);
    expect(eos.isInTransaction()).toBe(false);
  });
});
