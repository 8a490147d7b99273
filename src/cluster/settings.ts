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
}

export const DEFAULT_LAYOUT: ClusterLayout = { brokers: 4, basePort: 9092, controllerBasePort: 19092 };
export const DEFAULT_KAFKA_VERSION = '4.3.1';
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

export function bootstrapServers(layout: ClusterLayout): string[] {
  return nodeIds(layout).map((id) => `127.0.0.1:${clientPort(layout, id)}`);
}

export function nodeIds(layout: ClusterLayout): number[] {
  return Array.from({ length: layout.brokers }, (_, i) => i + 1);
}

/** Settings that are the same on every node, whatever its role. */
export function sharedSettings(layout: ClusterLayout): Record<string, string> {
  const replication = Math.min(layout.brokers, 3);
  const minIsr = Math.min(layout.brokers, 2);
  const voters = nodeIds(layout)
    .slice(0, controllerCount(layout.brokers))
    .map((id) => `${id}@127.0.0.1:${controllerPort(layout, id)}`)
    .join(',');
  return {
    'controller.quorum.voters': voters,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    // Internal topics default to RF 3 / min ISR 2, which a 1- or 2-node cluster cannot host.
    'offsets.topic.replication.factor': String(replication),
    'offsets.topic.num.partitions': '8',
    'transaction.state.log.replication.factor': String(replication),
    'transaction.state.log.min.isr': String(minIsr),
    'share.coordinator.state.topic.replication.factor': String(replication),
    'share.coordinator.state.topic.min.isr': String(minIsr),
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

/** The whole properties map of one node (log.dirs is the caller's: it is a path on this machine). */
export function nodeSettings(layout: ClusterLayout, nodeId: number): Record<string, string> {
  const isController = nodeId <= controllerCount(layout.brokers);
  const host = '127.0.0.1';
  const plaintext = `PLAINTEXT://${host}:${clientPort(layout, nodeId)}`;
  return {
    'node.id': String(nodeId),
    'process.roles': isController ? 'broker,controller' : 'broker',
    listeners: isController ? `${plaintext},CONTROLLER://${host}:${controllerPort(layout, nodeId)}` : plaintext,
    'advertised.listeners': plaintext,
    ...sharedSettings(layout),
  };
}

export function formatProperties(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')
    .concat('\n');
}
