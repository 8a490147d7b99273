import { retriedWithin } from '../shared/retry.js';

/**
 * A fix to kafkajs 2.2.4's transactions, installed with the send path's (src/kafka/kafkajs-patches.ts): kafkajs
 * sends EndTxn (commit, abort) and AddPartitionsToTxn once to the transaction coordinator it found, and fails the
 * transaction on any error. During a rolling restart the coordinator moves: a commit then failed with
 * NOT_COORDINATOR ("This is not the correct coordinator for this group") and the transactional producer was lost
 * (`datastorm chaos`, restart-all x transactions). Java's producer finds the coordinator again and retries both
 * requests on these errors (TransactionManager's EndTxnHandler and AddPartitionsToTxnHandler); so does this.
 * A retried commit is safe: the coordinator answers CONCURRENT_TRANSACTIONS while the markers are written, and
 * success for a transaction already committed in that epoch.
 */

/** Errors after which Java's producer retries EndTxn and AddPartitionsToTxn (the first two after finding the coordinator again). */
const RETRIABLE_TYPES = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'CONCURRENT_TRANSACTIONS']);
/** The coordinator's node went away, or did not answer in time (KafkaJSBrokerNotFound: the metadata does not list it yet). */
const CONNECTION_ERRORS = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound']);

/** Whether Java's producer would retry after `error`; kafkajs's own retries of a lookup, run out, end in their last error. */
const retriable = (error: unknown): boolean => {
  const { type, name, cause } = error as { type?: string; name?: string; cause?: unknown };
  if (name === 'KafkaJSNumberOfRetriesExceeded') return retriable(cause);
  return (type !== undefined && RETRIABLE_TYPES.has(type)) || (name !== undefined && CONNECTION_ERRORS.has(name));
};

export interface CoordinatorRetry {
  /** Give up (the last error stands) once this long has passed since the first try. */
  deadlineMs: number;
  /** The wait after the first failure, doubled after each one up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
}

/** A commit waits out a coordinator's move: a node's restart and the loading of its transaction log took seconds here. */
export const COORDINATOR_RETRY: CoordinatorRetry = { deadlineMs: 60_000, backoffMs: 100, maxBackoffMs: 1000 };

/**
 * `call` on the coordinator, retried while it fails with a retriable error and the deadline has not passed; the
 * coordinator is found again (`find`) before each retry. `first`: the coordinator the caller already found, if any.
 */
export async function withCoordinatorRetries<B, T>(call: (broker: B) => Promise<T>, first: B | undefined, find: () => Promise<B>, retry = COORDINATOR_RETRY): Promise<T> {
  let known: B | undefined = first;
  return retriedWithin(async () => {
    const broker = known ?? await find();
    known = undefined; // a retry finds the coordinator again
    return call(broker);
  }, { forMs: retry.deadlineMs, pauseMs: (attempt) => Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** attempt), retriable });
}

/** kafkajs's protocol/coordinatorTypes: FindCoordinator's key type of a transactional id. */
const TRANSACTION_COORDINATOR = 1;
const RETRIED_REQUESTS = new Set<PropertyKey>(['endTxn', 'addPartitionsToTxn']);

type Method = (...args: unknown[]) => unknown;
type CoordinatorQuery = { groupId: string; coordinatorType?: number };
interface KafkajsCluster { findGroupCoordinator(query: CoordinatorQuery): Promise<object> }

/** `target` with its methods bound to it, and `own` in place of some. */
function boundProxy<T extends object>(target: T, own: (key: PropertyKey) => Method | undefined): T {
  return new Proxy(target, {
    get(object, key) {
      const value = Reflect.get(object, key, object) as unknown;
      return own(key) ?? (typeof value === 'function' ? (value as Method).bind(object) : value);
    },
  });
}

/** The coordinator broker with EndTxn and AddPartitionsToTxn retried, found again by `find` when it moved. */
function retryingCoordinator(broker: object, find: () => Promise<object>): object {
  return boundProxy(broker, (key) => (RETRIED_REQUESTS.has(key)
    ? (request: unknown) => withCoordinatorRetries((b) => (Reflect.get(b, key) as Method).call(b, request) as Promise<unknown>, broker, find)
    : undefined));
}

/** kafkajs's cluster as the transaction manager sees it: a transaction coordinator it finds retries its requests. */
function clusterWithRetryingCoordinator(cluster: KafkajsCluster): KafkajsCluster {
  const find = (query: CoordinatorQuery) => cluster.findGroupCoordinator(query);
  return boundProxy(cluster, (key) => (key === 'findGroupCoordinator'
    ? (async (query: CoordinatorQuery) => {
      if (query.coordinatorType !== TRANSACTION_COORDINATOR) return find(query);
      // Finding it is retried too: a coordinator's node shutting down refused connections until kafkajs's lookup gave up.
      const again = () => find(query);
      return retryingCoordinator(await withCoordinatorRetries(async (found) => found, undefined, again), again);
    }) as Method
    : undefined));
}

type EosManagerFactory = (options: { cluster: KafkajsCluster } & Record<string, unknown>) => unknown;

/** kafkajs's eosManager module (producer/eosManager/index.js), made with a cluster whose transaction coordinator retries. */
export function eosManagerWithCoordinatorRetries(createEosManager: EosManagerFactory): EosManagerFactory {
  return (options) => createEosManager({ ...options, cluster: clusterWithRetryingCoordinator(options.cluster) });
}
