import { spawn } from 'node:child_process';
import { Argument, Command, Option } from 'commander';
import { createTable } from '../report/table.js';
import { clusterDown, clusterStatus, clusterUp, defaultClusterDir, startNode, stopNode, toolRuntime } from '../cluster/launcher.js';
import { javaArgs, requireJava } from '../cluster/kafka-runtime.js';
import { renderCompose } from '../cluster/compose.js';
import { CLUSTER_SECURITY, DEFAULT_KAFKA_VERSION, DEFAULT_LAYOUT, withSecurity, type ClusterSecurity } from '../cluster/settings.js';
import type { ClusterState } from '../cluster/launcher.js';
import { DataStormError } from '../shared/errors.js';
import { formatShareGroupsNote, kafkaRelease, supportedRange } from '../kafka/kafka-releases.js';
import { parseChoice, parseDurationMs, parseIntegerOption } from '../run-spec/parse.js';
import { RESTART_SYNC_TIMEOUT_MS, holdFault, killController, killLeader, restartAll, sceneOf } from '../faults/node-faults.js';
import { interruptible } from './interrupt.js';

const stderrLine = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** --kafka-version: a release of a supported line, or one line saying which are (before any download). */
const releaseOf = (value: string): string => kafkaRelease(value).version;

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description(
    'run a local Apache Kafka cluster (KRaft, 127.0.0.1) from Kafka\'s own jars, resolved with Maven or from KAFKA_HOME',
  );
  const dirOption = () => new Option('--dir <dir>', 'folder for node configs, data and logs').default(defaultClusterDir());
  const securityOption = () => new Option('--security <none|sasl_ssl>',
    'sasl_ssl adds a SASL_SSL listener on the plaintext port + 100 (9192-9195): a throwaway CA and broker certificate (openssl), ' +
    'user datastorm (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) with a fresh password, and a client properties file to pass as ' +
    '--producer.config / --command-config').default('none').argParser(parseChoice('--security', CLUSTER_SECURITY));

  cluster.command('up')
    .description('format and start the nodes; returns when the cluster metadata lists every broker')
    .addOption(new Option('--brokers <n>', 'number of nodes (3 of them are controllers when n >= 3)')
      .default(DEFAULT_LAYOUT.brokers).argParser(parseIntegerOption('--brokers', 1, 9)))
    .addOption(new Option('--kafka-version <version>', `Apache Kafka release on Maven Central, ${supportedRange()} (ignored with KAFKA_HOME)`)
      .default(DEFAULT_KAFKA_VERSION).argParser(releaseOf))
    .addOption(securityOption())
    .addOption(dirOption())
    .addOption(new Option('--json', 'print the cluster state as JSON on stdout'))
    .action(async (opts: { brokers: number; kafkaVersion: string; security: ClusterSecurity; dir: string; json?: boolean }) => {
      const state = await clusterUp({
        layout: withSecurity({ ...DEFAULT_LAYOUT, brokers: opts.brokers }, opts.security), kafkaVersion: opts.kafkaVersion, dir: opts.dir, log: stderrLine,
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
      if (state.restartedNodes) {
        stderrLine(`cluster up: node${state.restartedNodes.length > 1 ? 's' : ''} ${state.restartedNodes.join(', ')} started again; ` +
          `${state.nodes.length} nodes, Kafka ${state.kafkaVersion}, ${state.bootstrap.join(',')}`);
      } else if (state.alreadyRunning) {
        stderrLine(`cluster already running: ${state.nodes.length} nodes, Kafka ${state.kafkaVersion}, ${state.bootstrap.join(',')} (nothing done)`);
      } else {
        stderrLine(`cluster up: ${state.nodes.length} brokers listed by metadata, Kafka ${state.kafkaVersion} (${state.source}), ` +
          `started in ${(state.startupMs / 1000).toFixed(1)} s; bootstrap ${state.bootstrap.join(',')}`);
      }
      if (state.saslSsl) stderrLine(formatSaslSslLine(state.saslSsl));
      const shareNote = formatShareGroupsNote(state.kafkaVersion);
      if (shareNote) stderrLine(shareNote);
    });

  cluster.command('down')
    .description('stop every node (SIGTERM, SIGKILL after a grace period) and leave no process behind')
    .addOption(dirOption())
    .action(async (opts: { dir: string }) => {
      const stopped = await clusterDown(opts.dir);
      stderrLine(stopped.length ? `cluster down: stopped pids ${stopped.join(', ')}` : 'no cluster running');
    });

  const nodeArgument = () => new Argument('<node>', 'node id (1-4 on the default cluster)').argParser(parseIntegerOption('node', 1, 99));
  const nodeCommands: Array<[string, string, (id: number, dir: string) => Promise<string>]> = [
    ['kill-node', 'kill a node with SIGKILL, as a crash would (no clean shutdown); it keeps its data for start-node',
      async (id, dir) => `node ${id} killed (SIGKILL), down after ${await stopNode(id, 'kill', { dir })} ms`],
    ['stop-node', 'stop a node cleanly (SIGTERM: controlled shutdown, leaders moved first; SIGKILL after 30 s)',
      async (id, dir) => `node ${id} stopped (SIGTERM), down after ${await stopNode(id, 'stop', { dir })} ms`],
    ['start-node', 'start a node that is down on its data; returns once the metadata lists it (its replicas then rejoin the ISR)',
      async (id, dir) => `node ${id} back, listed by the metadata after ${await startNode(id, { dir })} ms`],
  ];
  for (const [name, description, act] of nodeCommands) {
    cluster.command(name)
      .description(description)
      .addArgument(nodeArgument())
      .addOption(dirOption())
      .action(async (id: number, opts: { dir: string }) => { stderrLine(await act(id, opts.dir)); });
  }

  const forOption = (what: string) => new Option('--for <duration>', `how long ${what} (30s, 2m, 500ms); Ctrl-C ends it sooner`)
    .makeOptionMandatory().argParser((v) => parseDurationMs('--for', v));
  const lasting: Array<[name: 'pause-node' | 'partition-node', description: string, what: string, held: (id: number) => string, healed: string]> = [
    ['pause-node', 'pause a node with SIGSTOP, then resume it with SIGCONT: a hung broker, or a long GC pause (its connections stay open, ' +
      'nothing answers; past KRaft\'s broker session timeout, 9 s, the controller fences it and its partitions move)', 'the node stays paused',
    (id) => `node ${id} paused (SIGSTOP)`, 'resumed (SIGCONT)'],
    ['partition-node', 'cut a node off from the other nodes and from clients while it keeps running, then heal it: nftables drops every ' +
      'packet of the node\'s sockets (its JVM runs with a group of its own) and to its ports; needs nftables and CAP_NET_ADMIN (root)', 'the node stays cut off',
    (id) => `node ${id} cut off from the other nodes and from clients (nftables)`, 'healed (rules removed)'],
  ];
  for (const [name, description, what, held, healed] of lasting) {
    cluster.command(name)
      .description(description)
      .addArgument(nodeArgument())
      .addOption(forOption(what))
      .addOption(dirOption())
      .action(async (id: number, opts: { for: number; dir: string }) => {
        const { value: heldMs, interrupted } = await interruptible(`ending the ${name} now`,
          (signal) => holdFault(name, id, opts.for, sceneOf(opts.dir), { signal, onHeld: () => stderrLine(`${held(id)} for ${seconds(opts.for)}`) }));
        stderrLine(`node ${id} ${healed} after ${seconds(heldMs)}${interrupted ? ' (interrupted)' : ''}`);
      });
  }

  cluster.command('kill-controller')
    .description('kill the active KRaft controller with SIGKILL, whichever node it is now (asked of the quorum): the others elect a new one')
    .addOption(dirOption())
    .action(async (opts: { dir: string }) => {
      const { node, downMs } = await killController(sceneOf(opts.dir));
      stderrLine(`node ${node}, the active controller, killed (SIGKILL), down after ${downMs} ms`);
    });

  cluster.command('kill-leader')
    .description('kill with SIGKILL the node that leads a partition of a topic now: its partitions get new leaders')
    .argument('<topic>', 'topic name')
    .argument('<partition>', 'partition number', parseIntegerOption('partition', 0, 1_000_000))
    .addOption(dirOption())
    .action(async (topic: string, partition: number, opts: { dir: string }) => {
      const { node, downMs } = await killLeader(sceneOf(opts.dir), topic, partition);
      stderrLine(`node ${node}, the leader of ${topic} partition ${partition}, killed (SIGKILL), down after ${downMs} ms`);
    });

  cluster.command('restart-all')
    .description('a rolling restart: each node in turn stopped cleanly (SIGTERM) and started on its data, the next one only once every ' +
      'partition is back in sync (no under-replicated partition); Ctrl-C stops it after the node being restarted')
    .addOption(new Option('--sync-timeout <duration>', 'how long to wait, after each node, for every partition to be in sync before giving up with an error')
      .default(RESTART_SYNC_TIMEOUT_MS, `${RESTART_SYNC_TIMEOUT_MS / 1000}s`).argParser((v) => parseDurationMs('--sync-timeout', v)))
    .addOption(dirOption())
    .action(async (opts: { syncTimeout: number; dir: string }) => {
      const startedMs = Date.now();
      const { value: nodes } = await interruptible('stopping after the node being restarted',
        (signal) => restartAll(sceneOf(opts.dir), { syncTimeoutMs: opts.syncTimeout, log: stderrLine, signal }));
      stderrLine(`restart-all: nodes ${nodes.join(', ')} restarted in turn in ${seconds(Date.now() - startedMs)}, every partition in sync`);
    });

  cluster.command('status')
    .description('list nodes, pids, ports and health, and how many brokers the metadata lists')
    .addOption(dirOption())
    .addOption(new Option('--json', 'print the status as JSON on stdout'))
    .action(async (opts: { dir: string; json?: boolean }) => {
      const status = await clusterStatus(opts.dir);
      if (!status) {
        stderrLine(`no cluster in ${opts.dir} (start one with \`datastorm cluster up\`)`);
        process.exitCode = 3;
        return;
      }
      const healthy = status.nodes.every((n) => n.alive && n.accepting) && status.brokersListed === status.nodes.length;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ ...status, healthy }, null, 2)}\n`);
      } else {
        const table = createTable(['node', 'roles', 'pid', 'client port', 'controller port', 'process', 'port']);
        for (const n of status.nodes) {
          table.push([n.id, n.roles, n.pid, n.clientPort, n.controllerPort ?? '-', n.alive ? 'alive' : 'down',
            n.accepting ? 'accepting' : 'closed']);
        }
        stderrLine(table.toString());
        stderrLine(`Kafka ${status.state.kafkaVersion}, metadata lists ${status.brokersListed} of ${status.nodes.length} brokers: ` +
          (healthy ? 'healthy' : 'UNHEALTHY'));
        if (status.state.saslSsl) stderrLine(formatSaslSslLine(status.state.saslSsl));
      }
      if (!healthy) process.exitCode = 2;
    });

  cluster.command('compose')
    .description('print a docker-compose file for the same cluster (docker/docker-compose.yml is its default)')
    .addOption(new Option('--brokers <n>', 'number of nodes').default(DEFAULT_LAYOUT.brokers)
      .argParser(parseIntegerOption('--brokers', 1, 9)))
    .addOption(new Option('--kafka-version <version>', `apache/kafka image tag, ${supportedRange()}`).default(DEFAULT_KAFKA_VERSION).argParser(releaseOf))
    .addOption(securityOption())
    .action((opts: { brokers: number; kafkaVersion: string; security: ClusterSecurity }) => {
      process.stdout.write(renderCompose(withSecurity({ ...DEFAULT_LAYOUT, brokers: opts.brokers }, opts.security), opts.kafkaVersion));
    });
  return cluster;
}

/** Where the SASL_SSL listener is and the file to connect with (never the password itself). */
export function formatSaslSslLine(secure: NonNullable<ClusterState['saslSsl']>): string {
  return `SASL_SSL listener ${secure.bootstrap.join(',')} (user ${secure.user}, SCRAM-SHA-512 or PLAIN); ` +
    `client properties: ${secure.clientProperties}`;
}

/** Kafka's own command-line tools, run from the same jars as the cluster. */
const KAFKA_TOOLS: Record<string, string> = {
  'producer-perf-test': 'org.apache.kafka.tools.ProducerPerformance',
  'consumer-perf-test': 'org.apache.kafka.tools.ConsumerPerformance',
  topics: 'org.apache.kafka.tools.TopicCommand',
  'console-consumer': 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  'get-offsets': 'org.apache.kafka.tools.GetOffsetShell',
  'metadata-quorum': 'org.apache.kafka.tools.MetadataQuorumCommand',
  // Share groups (Kafka 4.2+): the share consumer perf tool that consume --share-group reports like, and the groups' state.
  'share-consumer-perf-test': 'org.apache.kafka.tools.ShareConsumerPerformance',
  'share-groups': 'org.apache.kafka.tools.consumer.group.ShareGroupCommand',
};

export function kafkaToolCommand(): Command {
  return new Command('kafka-tool')
    .description(`run one of Kafka's Java tools from the cluster's jars: ${Object.keys(KAFKA_TOOLS).join(', ')}`)
    .argument('<tool>', 'tool name')
    .argument('[args...]', 'arguments passed to the tool unchanged (put them after --)')
    .allowUnknownOption()
    .addOption(new Option('--kafka-version <version>',
      `Kafka release whose jars to use, resolved from Maven Central as cluster up does (default: the local cluster's, else ${DEFAULT_KAFKA_VERSION})`).argParser(releaseOf))
    .action(async (tool: string, args: string[], opts: { kafkaVersion?: string }) => {
      const mainClass = KAFKA_TOOLS[tool];
      if (!mainClass) {
        throw new DataStormError('DS_BAD_OPTION', `unknown Kafka tool "${tool}"`, { hint: `one of ${Object.keys(KAFKA_TOOLS).join(', ')}` });
      }
      requireJava();
      const runtime = toolRuntime(opts.kafkaVersion, stderrLine);
      const child = spawn('java', javaArgs(runtime, mainClass, args, ['-Xmx1g']), { stdio: 'inherit' });
      process.exitCode = await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
    });
}
