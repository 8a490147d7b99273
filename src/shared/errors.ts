/** Exit code of a run stopped with Ctrl-C, as a shell reports SIGINT. */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * Every code DataStorm ends with, closed: what it means, and whether the same command, run again unchanged, can
 * succeed (the cluster, a service or the machine was in a passing state), or cannot (the input, the setup or the
 * figures are wrong, and will be again).
 */
export const ERROR_CODES = {
  // The command line and the files it names.
  DS_BAD_OPTION: { retriable: false, description: 'an option or argument is malformed, out of range, or contradicts another' },
  DS_BAD_CLIENT_CONFIG: { retriable: false, description: 'a Kafka client property (in a file, --producer-props, --command-property) is malformed or not taken' },
  DS_BAD_SECURITY_CONFIG: { retriable: false, description: 'a security property cannot be honoured (an unsupported mechanism, a missing truststore)' },
  DS_BAD_SCHEMA: { retriable: false, description: 'the --schema file cannot be read or is not an Avro schema' },
  DS_BAD_PAYLOAD_FILE: { retriable: false, description: 'the --payload-file cannot be read or holds no values' },
  DS_BAD_WORKLOAD: { retriable: false, description: 'a bench workload file (or a --set on it) cannot be read or is invalid' },
  DS_BAD_STAGE: { retriable: false, description: 'an evolution stage file or folder cannot be read or is invalid' },
  DS_BAD_RESULT_FILE: { retriable: false, description: 'a result file cannot be read or is not a valid DataStorm result' },
  DS_RESULT_SCHEMA: { retriable: false, description: 'a result file has a result schema version this DataStorm does not read' },
  DS_PARTIAL_RESULT: { retriable: false, description: 'a result file is of a run stopped early, which cannot be compared or gated' },
  DS_NO_REFERENCE: { retriable: false, description: 'a result file has no reference run (--vs) to compare against' },
  DS_BAD_OUTPUT: { retriable: false, description: 'an output file or folder cannot be written' },
  DS_BAD_TOPIC: { retriable: false, description: 'a topic name is invalid, or the run\'s topics differ in partition count' },
  DS_UNSUPPORTED_BY_DRIVER: { retriable: false, description: 'the --driver cannot run these settings' },
  DS_UNSUPPORTED_BY_TOOL: { retriable: false, description: 'the --vs tool (kafka-producer-perf-test, rdkafka_performance) cannot run these settings' },
  DS_NOT_BUILT: { retriable: false, description: 'a compiled file is missing: DataStorm was not built' },

  // Kafka: reaching it, and what it answers.
  DS_UNREACHABLE: { retriable: true, description: 'the Kafka cluster does not answer at the given addresses' },
  DS_NO_CLUSTER: { retriable: false, description: 'no --bootstrap-server given and no local cluster running' },
  DS_AUTH_FAILED: { retriable: false, description: 'the brokers refused the SASL user or password' },
  DS_SASL_MECHANISM: { retriable: false, description: 'the brokers do not enable the SASL mechanism asked for' },
  DS_OAUTH_TOKEN: { retriable: true, description: 'no OAUTHBEARER token could be had from the token file or command (read again at each authentication)' },
  DS_TLS_UNTRUSTED: { retriable: false, description: 'the brokers\' certificate is not trusted by the truststore given' },
  DS_TLS_HOSTNAME: { retriable: false, description: 'the brokers\' certificate does not name the host connected to' },
  DS_PLAINTEXT_TO_TLS: { retriable: false, description: 'a plaintext security.protocol was used against a TLS listener' },
  DS_TLS_TO_PLAINTEXT: { retriable: false, description: 'a TLS security.protocol was used against a plaintext listener' },
  DS_UNKNOWN_TOPIC: { retriable: false, description: 'the topic to read does not exist, or no topic matches the pattern' },
  DS_TOPIC_NOT_READY: { retriable: true, description: 'the topic\'s partition leaders did not answer in time' },
  DS_LOG_APPEND_TIME: { retriable: false, description: 'the topic stamps records with the broker\'s time, so end-to-end latency cannot be measured' },
  DS_RECORD_TOO_LARGE: { retriable: false, description: 'a record is larger than the topic or broker accepts' },
  DS_BATCH_TOO_LARGE: { retriable: false, description: 'the --batch size, with record overhead, is larger than the topic accepts' },
  DS_SHARE_GROUPS_UNSUPPORTED: { retriable: false, description: 'the cluster cannot run share groups: its brokers are older than Kafka 4.2, or share.version is not enabled' },
  DS_CORRUPT_BATCH: { retriable: false, description: 'a compressed record batch read back is malformed' },

  // A run's outcome.
  DS_RECORDS_FAILED: { retriable: true, description: 'records failed to send (Kafka\'s retriable errors, counted; the run went on)' },
  DS_PRODUCE_FAILED: { retriable: false, description: 'the broker refused a batch with an error no retry fixes (authorization, an invalid record)' },
  DS_BROKER_LOST: { retriable: true, description: 'no acknowledgement for so long while sends failed that the cluster is taken as gone' },
  DS_TRANSACTION_FAILED: { retriable: true, description: 'a batch inside a transaction, or a transaction\'s commit, failed' },
  DS_ACCOUNTING_MISMATCH: { retriable: false, description: 'the records counted and the broker\'s offsets disagree' },
  DS_VERIFICATION_FAILED: { retriable: false, description: 'read back by identity (--verify), acknowledged records were lost or duplicated, or an aborted transaction\'s records were visible' },
  DS_ACCOUNTING_UNCHECKED: { retriable: true, description: 'the figures stand but the offsets to check them against could not be read: the cluster was gone' },
  DS_BARRIER_MISSED: { retriable: true, description: 'the run started before its start barrier, so its figures are not of a start at it' },
  DS_WORKER_FAILED: { retriable: false, description: 'a worker thread could not start its producer, or threw an error the run does not handle' },
  DS_INTERRUPTED: { retriable: true, description: 'stopped with Ctrl-C (SIGINT) before its end' },
  DS_UNEXPECTED: { retriable: false, description: 'an error DataStorm does not expect: a bug' },
  DS_CONSUME_TIMEOUT: { retriable: true, description: 'the records to consume did not all arrive in time' },
  DS_CONSUMER_FAILED: { retriable: true, description: 'a consumer of the group failed' },
  DS_GROUP_NOT_BALANCED: { retriable: true, description: 'the consumer group did not settle in time' },
  DS_GROUP_ACTIVE: { retriable: true, description: 'the consumer group has active members, which would share its partitions' },
  DS_UNDECODABLE_VALUES: { retriable: false, description: 'values consumed with --schema-registry were not in Confluent\'s wire format, named a schema id the registry does not know, or did not decode with their schema' },
  DS_REPLAY_MISMATCH: { retriable: false, description: 'two passes over the topic read different records' },

  // HTTP: the services DataStorm talks to, and those it serves.
  DS_HTTP_UNREACHABLE: { retriable: true, description: 'nothing answers at the URL of the HTTP service (the sink, the proxy, the schema registry)' },
  DS_SINK_FAILED: { retriable: false, description: 'the sink failed every call: no record could be delivered' },
  DS_REGISTRY_FAILED: { retriable: false, description: 'the schema registry refused a request (authentication, an unknown subject or schema, an invalid schema)' },
  DS_SCHEMA_INCOMPATIBLE: { retriable: false, description: 'the schema is not compatible with the latest version of its subject in the registry' },
  DS_CANNOT_LISTEN: { retriable: false, description: 'a port DataStorm listens on (a local node, the gateway, the sink, --metrics-port) is in use or not allowed' },

  // The local cluster.
  DS_CLUSTER_START_FAILED: { retriable: true, description: 'the local cluster, or a node of it, did not come up in time, or died starting' },
  DS_FORMAT_FAILED: { retriable: false, description: 'Kafka\'s storage tool could not format a local node' },
  DS_REGISTRY_START_FAILED: { retriable: true, description: 'the local schema registry (Apicurio) did not become ready in time, or died starting' },
  DS_CLUSTER_STATE_LOCKED: { retriable: true, description: 'another process has held the local cluster\'s state for too long' },
  DS_NODE_DOWN: { retriable: false, description: 'the local node to stop is not running' },
  DS_NODE_RUNNING: { retriable: false, description: 'the local node to start is already running' },
  DS_NO_JAVA: { retriable: false, description: 'java (of the release needed) is not installed: the local cluster and the local schema registry need it' },
  DS_NO_MAVEN: { retriable: false, description: 'the Kafka version is not cached and mvn is not installed to fetch it' },
  DS_MAVEN_FAILED: { retriable: true, description: 'Maven could not fetch the Kafka version (a network or repository failure)' },
  DS_UNKNOWN_KAFKA_VERSION: { retriable: false, description: 'Maven Central has no such Kafka version' },
  DS_BAD_KAFKA_HOME: { retriable: false, description: 'KAFKA_HOME does not hold a Kafka distribution' },
  DS_KAFKA_VERSION_MISMATCH: { retriable: false, description: 'KAFKA_HOME holds another Kafka version than --kafka-version' },
  DS_TLS_CERTS_FAILED: { retriable: false, description: 'openssl could not make the SASL_SSL listener\'s certificates' },
  DS_CANNOT_PARTITION: { retriable: false, description: 'partition-node cannot cut a node off here: no nftables, no CAP_NET_ADMIN, or the node does not run with a group of its own' },
  DS_CHAOS_INCOMPLETE: { retriable: true, description: 'a chaos cell could not be judged: its fault was not caused or healed, or its records were not read back' },
  DS_NOT_IN_SYNC: { retriable: true, description: 'a rolling restart (restart-all) found partitions still under-replicated past its bound after a node came back' },

  // Benchmarks and analyses.
  DS_BENCH_GATE_FAILED: { retriable: false, description: 'a metric regressed beyond its limit, or a threshold failed' },
  DS_REFERENCE_MISMATCH: { retriable: false, description: 'the two results are relative to different references' },
  DS_MERGE_REFUSED: { retriable: false, description: 'the results cannot be merged into one run' },
  DS_SHARD_FAILED: { retriable: true, description: 'a local shard\'s process failed (its last error is in the message)' },
  DS_SHARDS_MISSING: { retriable: true, description: 'shards sent no result by the merge deadline (printed by the merge Job\'s script)' },
  DS_POINT_FAILED: { retriable: true, description: 'the run of an analysis point failed (its own error is in the message, and gives retriable)' },
  DS_TOOL_FAILED: { retriable: true, description: 'a measured tool\'s process (a --vs tool; in benchmarks/, any contender) exited with an error or lost records' },
  DS_TOOL_OUTPUT: { retriable: false, description: 'a tool DataStorm runs (a --vs tool, GNU time) printed output DataStorm cannot read' },
  DS_NO_C_COMPILER: { retriable: false, description: 'building rdkafka_performance needs a C compiler and make, not installed' },
  DS_LIBRDKAFKA_BUILD_FAILED: { retriable: false, description: 'building librdkafka\'s rdkafka_performance failed' },
} as const satisfies Record<string, { retriable: boolean; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether a value (e.g. read from another process) is one of DataStorm's codes. */
export const isErrorCode = (value: unknown): value is ErrorCode => typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);

/** Every failure DataStorm reports to a user: a code, a one-line message and, where useful, a hint. */
export class DataStormError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly exitCode: number;
  /** Whether the same run, tried again unchanged, can succeed: its code's, unless it wraps another failure's (`options.retriable`). */
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown; exitCode?: number; retriable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DataStormError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
  }
}

/** A run that ended on an error after it measured: it carries the result of what was done, reported before the error. */
export class RunFailedError<R = unknown> extends DataStormError {
  readonly result: R;

  constructor(code: ErrorCode, message: string, result: R) {
    super(code, message);
    this.result = result;
  }
}

/**
 * A run whose figures stand but whose accounting was not checked: `what` (the offsets it is checked against) could
 * not be read after the run, because the cluster was gone (its brokers stopped by another process).
 */
export function accountingUnchecked<R>(what: string, reason: string, result: R): RunFailedError<R> {
  return new RunFailedError('DS_ACCOUNTING_UNCHECKED', `${what} could not be read after the run: ${reason}`, result);
}

/** The one line printed for an error: never a stack trace for an error we understand. */
export function formatError(error: unknown): string {
  if (error instanceof DataStormError) {
    return `error ${error.code}: ${error.message}${error.hint ? ` (${error.hint})` : ''}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `error DS_UNEXPECTED: ${message.split('\n')[0]}`;
}
