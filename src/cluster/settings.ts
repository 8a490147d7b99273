import { isAtLeast, type KafkaReleaseLine } from '../kafka/kafka-releases.js';

/**
 * The settings of the local cluster, in one place: `cluster up` writes them as each node's properties, and
 * test/unit/cluster-settings.test.ts checks docker/docker-compose.yml against them.
 */
export interface ClusterLayout {
  brokers: number;
  /** Client port of node 1; node i listens on basePort + i - 1. */
  basePort: number;
  /** Controller port of node 1, kept apart from the client ports. */
  controllerBasePort: number;
  /** With `--security sasl_ssl`: node 1's SASL_SSL listener, beside the plaintext one (node i: + i - 1). */
  saslSslBasePort?: number;
}

export const DEFAULT_LAYOUT: ClusterLayout = { brokers: 4, basePort: 9092, controllerBasePort: 19092 };
/** The SASL_SSL listener's ports sit this far above the plaintext ones (9192 beside 9092). */
export const SASL_SSL_PORT_OFFSET = 100;
export const CLUSTER_SECURITY = ['none', 'sasl_ssl'] as const;
export type ClusterSecurity = (typeof CLUSTER_SECURITY)[number];

/** The layout with the SASL_SSL listener on (plaintext port + 100), or as it is. */
export function withSecurity(layout: ClusterLayout, security: ClusterSecurity): ClusterLayout {
  return security === 'sasl_ssl' ? { ...layout, saslSslBasePort: layout.basePort + SASL_SSL_PORT_OFFSET } : layout;
}

/** The user the SASL_SSL listener knows (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512); its password is made per cluster. */
export const SASL_USER = 'datastorm';
export const SASL_MECHANISMS_ENABLED = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Where a node's TLS key and certificate are (a path on the machine, or in the container) and the user's password. */
export interface ListenerSecrets {
  keystoreFile: string;
  password: string;
}
export const DEFAULT_KAFKA_VERSION = '4.4.0';
/** 16 MB batches plus record-batch overhead must fit; the producer's request size follows this. */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
/** 4 nodes x 768 MiB leaves most of a 24 GiB machine to the load generator; 2 cores are the real limit. */
export const BROKER_HEAP = '768m';

export const JVM_FLAGS = [
  `-Xms${BROKER_HEAP}`,
  `-Xmx${BROKER_HEAP}`,
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
];

/** A static quorum of 3 voters tolerates one failure; fewer nodes than 3 get one voter. */
export function controllerCount(brokers: number): number {
  return brokers >= 3 ? 3 : 1;
}

export function clientPort(layout: ClusterLayout, nodeId: number): number {
  return layout.basePort + nodeId - 1;
}

export function controllerPort(layout: ClusterLayout, nodeId: number): number {
  return layout.controllerBasePort + nodeId - 1;
}

export function saslSslPort(layout: ClusterLayout, nodeId: number): number | undefined {
  return layout.saslSslBasePort === undefined ? undefined : layout.saslSslBasePort + nodeId - 1;
}

export function bootstrapServers(layout: ClusterLayout): string[] {
  return nodeIds(layout).map((id) => `127.0.0.1:${clientPort(layout, id)}`);
}

export function saslSslBootstrapServers(layout: ClusterLayout): string[] {
  return nodeIds(layout).flatMap((id) => (layout.saslSslBasePort === undefined ? [] : [`127.0.0.1:${saslSslPort(layout, id)}`]));
}

export function nodeIds(layout: ClusterLayout): number[] {
  return Array.from({ length: layout.brokers }, (_, i) => i + 1);
}

/**
 * Settings that are the same on every node, whatever its role, for a release line: each name is one that line's
 * brokers know (a name they do not know is only logged as unused, and would hide a setting that took no effect).
 * The KRaft quorum is static (controller.quorum.voters) on every line: 3.9 brought the dynamic one (KIP-853), and
 * every line to 4.4 still takes the static one, which the official image uses too.
 */
export function sharedSettings(layout: ClusterLayout, line: KafkaReleaseLine): Record<string, string> {
  const replication = Math.min(layout.brokers, 3);
  const minIsr = Math.min(layout.brokers, 2);
  const voters = nodeIds(layout)
    .slice(0, controllerCount(layout.brokers))
    .map((id) => `${id}@127.0.0.1:${controllerPort(layout, id)}`)
    .join(',');
  return {
    'controller.quorum.voters': voters,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': layout.saslSslBasePort === undefined ? 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'
      : 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
    // Brokers talk among themselves on plaintext: the secured listener is for clients.
    'inter.broker.listener.name': 'PLAINTEXT',
    // Internal topics default to RF 3 / min ISR 2, which a 1- or 2-node cluster cannot host.
    'offsets.topic.replication.factor': String(replication),
    'offsets.topic.num.partitions': '8',
    'transaction.state.log.replication.factor': String(replication),
    'transaction.state.log.min.isr': String(minIsr),
    // Share groups (KIP-932) came with 4.0: 3.9's brokers have no share coordinator.
    ...(isAtLeast(line, '4.0') ? {
      'share.coordinator.state.topic.replication.factor': String(replication),
      'share.coordinator.state.topic.min.isr': String(minIsr),
    } : {}),
    'group.initial.rebalance.delay.ms': '0',
    'message.max.bytes': String(MAX_MESSAGE_BYTES),
    'replica.fetch.max.bytes': String(MAX_MESSAGE_BYTES),
    // Benchmarks create their topics with explicit partitions and sizes; a typo must not create one.
    'auto.create.topics.enable': 'false',
    'num.network.threads': '3',
    'num.io.threads': '4',
    // A load-test cluster fills its disk: 2M records of 250 B are 1.5 GB at RF 3, and a morning of benchmark
    // grids filled 80 GB and stopped every node. Records are kept for an hour, in segments that close at 128 MB.
    'log.retention.ms': String(60 * 60 * 1000),
    'log.segment.bytes': String(128 * 1024 * 1024),
    'log.retention.check.interval.ms': '60000',
    // Without a bound a node that never finds its quorum waits forever.
    'server.max.startup.time.ms': '120000',
  };
}

/** The SASL_SSL listener's settings: a PEM keystore (PKCS#8 key and certificate), PLAIN users in JAAS, SCRAM users in the metadata. */
function saslSslSettings(secrets: ListenerSecrets): Record<string, string> {
  const prefix = 'listener.name.sasl_ssl';
  return {
    'sasl.enabled.mechanisms': SASL_MECHANISMS_ENABLED.join(','),
    [`${prefix}.plain.sasl.jaas.config`]:
      `org.apache.kafka.common.security.plain.PlainLoginModule required user_${SASL_USER}="${secrets.password}";`,
    [`${prefix}.scram-sha-256.sasl.jaas.config`]: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    [`${prefix}.scram-sha-512.sasl.jaas.config`]: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    [`${prefix}.ssl.keystore.type`]: 'PEM',
    [`${prefix}.ssl.keystore.location`]: secrets.keystoreFile,
  };
}

/**
 * The whole properties map of one node of a release line (log.dirs is the caller's: it is a path on this machine; so are the
 * SASL_SSL listener's keystore and password, needed when the layout has that listener).
 */
export function nodeSettings(layout: ClusterLayout, nodeId: number, line: KafkaReleaseLine, secrets?: ListenerSecrets): Record<string, string> {
  const isController = nodeId <= controllerCount(layout.brokers);
  const host = '127.0.0.1';
  const securePort = saslSslPort(layout, nodeId);
  if (securePort !== undefined && !secrets) throw new Error('a SASL_SSL listener needs its keystore and password');
  const advertised = [`PLAINTEXT://${host}:${clientPort(layout, nodeId)}`, ...(securePort === undefined ? [] : [`SASL_SSL://${host}:${securePort}`])].join(',');
  return {
    'node.id': String(nodeId),
    'process.roles': isController ? 'broker,controller' : 'broker',
    listeners: isController ? `${advertised},CONTROLLER://${host}:${controllerPort(layout, nodeId)}` : advertised,
    'advertised.listeners': advertised,
    ...sharedSettings(layout, line),
    ...(securePort !== undefined && secrets ? saslSslSettings(secrets) : {}),
  };
}

/** The client properties of the SASL_SSL listener (SCRAM-SHA-512), as Kafka's Java clients and DataStorm read them. */
export function saslSslClientProperties(caFile: string, password: string): Record<string, string> {
  return {
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${SASL_USER}" password="${password}";`,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': caFile,
  };
}

export function formatProperties(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')
    .concat('\n');
}
