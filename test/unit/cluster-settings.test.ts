import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMPOSE_CLUSTER_ID, COMPOSE_SECRETS, envName, renderCompose } from '../../src/cluster/compose.js';
import {
  DEFAULT_KAFKA_VERSION, DEFAULT_LAYOUT, bootstrapServers, controllerCount, formatProperties, nodeSettings, saslSslBootstrapServers,
  withSecurity,
} from '../../src/cluster/settings.js';
import { KAFKA_RELEASE_LINES, kafkaRelease } from '../../src/kafka/kafka-releases.js';

/** The default release's line: the settings `cluster up` writes when no --kafka-version is given. */
const LINE = kafkaRelease(DEFAULT_KAFKA_VERSION).line;

describe('cluster settings', () => {
  it('gives 4 nodes a static quorum of 3 combined nodes and one broker-only node', () => {
    expect(nodeSettings(DEFAULT_LAYOUT, 1, LINE)).toMatchObject({
      'node.id': '1',
      'process.roles': 'broker,controller',
      listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:19092',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:9092',
      'controller.quorum.voters': '1@127.0.0.1:19092,2@127.0.0.1:19093,3@127.0.0.1:19094',
    });
    expect(nodeSettings(DEFAULT_LAYOUT, 4, LINE)).toMatchObject({
      'process.roles': 'broker',
      listeners: 'PLAINTEXT://127.0.0.1:9095',
    });
    expect(bootstrapServers(DEFAULT_LAYOUT)).toEqual(['127.0.0.1:9092', '127.0.0.1:9093', '127.0.0.1:9094', '127.0.0.1:9095']);
  });

  it('fits internal topics to the number of nodes', () => {
    const one = nodeSettings({ ...DEFAULT_LAYOUT, brokers: 1 }, 1, LINE);
    expect(controllerCount(1)).toBe(1);
    expect(one['offsets.topic.replication.factor']).toBe('1');
    expect(one['transaction.state.log.min.isr']).toBe('1');
    expect(one['controller.quorum.voters']).toBe('1@127.0.0.1:19092');
    const two = nodeSettings({ ...DEFAULT_LAYOUT, brokers: 2 }, 2, LINE);
    expect(two['process.roles']).toBe('broker');
    expect(two['share.coordinator.state.topic.replication.factor']).toBe('2');
    expect(nodeSettings(DEFAULT_LAYOUT, 2, LINE)['offsets.topic.replication.factor']).toBe('3');
  });

  it('lets a 16 MB batch through the broker', () => {
    expect(Number(nodeSettings(DEFAULT_LAYOUT, 1, LINE)['message.max.bytes'])).toBeGreaterThan(16 * 1024 * 1024 + 1024);
  });

  it('writes only the names each release line knows: 3.9 has no share coordinator; the static quorum on every line', () => {
    const shareKeys = ['share.coordinator.state.topic.replication.factor', 'share.coordinator.state.topic.min.isr'];
    for (const line of KAFKA_RELEASE_LINES) {
      const settings = nodeSettings(DEFAULT_LAYOUT, 1, line);
      expect(settings['controller.quorum.voters']).toBe('1@127.0.0.1:19092,2@127.0.0.1:19093,3@127.0.0.1:19094');
      expect(settings['controller.quorum.bootstrap.servers']).toBeUndefined();
      expect(shareKeys.map((key) => settings[key])).toEqual(line === '3.9' ? [undefined, undefined] : ['3', '2']);
    }
    // Everything else is the same on every line.
    const without = (settings: Record<string, string>) => Object.fromEntries(Object.entries(settings).filter(([key]) => !shareKeys.includes(key)));
    expect(without(nodeSettings(DEFAULT_LAYOUT, 2, '4.4'))).toEqual(nodeSettings(DEFAULT_LAYOUT, 2, '3.9'));
    const compose39 = parse(renderCompose(DEFAULT_LAYOUT, '3.9.2')).services as Record<string, { image: string; environment: Record<string, string> }>;
    expect(compose39['kafka-1'].image).toBe('apache/kafka:3.9.2');
    expect(Object.keys(compose39['kafka-1'].environment).filter((name) => name.includes('SHARE'))).toEqual([]);
    expect(() => renderCompose(DEFAULT_LAYOUT, '3.8.1')).toThrow('--kafka-version 3.8.1: DataStorm runs Apache Kafka 3.9.x to 4.4.x');
  });

  it('writes properties one per line', () => {
    expect(formatProperties({ 'a.b': '1', c: 'x,y' })).toBe('a.b=1\nc=x,y\n');
  });

  it('names environment variables the way the apache/kafka image reads them', () => {
    expect(envName('controller.quorum.voters')).toBe('KAFKA_CONTROLLER_QUORUM_VOTERS');
    expect(envName('a_b-c.d')).toBe('KAFKA_A__B___C_D');
  });

  it('keeps docker/docker-compose.yml identical to the settings cluster up uses', () => {
    const committed = readFileSync(new URL('../../docker/docker-compose.yml', import.meta.url), 'utf8');
    expect(committed).toBe(renderCompose(DEFAULT_LAYOUT, DEFAULT_KAFKA_VERSION));
    const services = parse(committed).services as Record<string, { environment: Record<string, string> }>;
    expect(Object.keys(services)).toEqual(['kafka-1', 'kafka-2', 'kafka-3', 'kafka-4']);
    for (const [i, service] of Object.values(services).entries()) {
      expect(service.environment.CLUSTER_ID).toBe(COMPOSE_CLUSTER_ID);
      for (const [key, value] of Object.entries(nodeSettings(DEFAULT_LAYOUT, i + 1, LINE))) {
        expect(service.environment[envName(key)]).toBe(value);
      }
    }
  });
});

describe('newClusterId', () => {
  it('is 22 characters of base64url that never start with "-" (Kafka\'s tools would read it as a flag)', async () => {
    const { newClusterId } = await import('../../src/cluster/launcher.js');
    for (let i = 0; i < 2000; i++) {
      const id = newClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });

  it('adds a SASL_SSL listener on the plaintext port + 100 with --security sasl_ssl, in cluster up and in compose alike', () => {
    const layout = withSecurity(DEFAULT_LAYOUT, 'sasl_ssl');
    expect(saslSslBootstrapServers(layout)).toEqual(['127.0.0.1:9192', '127.0.0.1:9193', '127.0.0.1:9194', '127.0.0.1:9195']);
    const node = nodeSettings(layout, 1, LINE, { keystoreFile: '/k/broker.pem', password: 'pw' });
    expect(node).toMatchObject({
      listeners: 'PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9192,CONTROLLER://127.0.0.1:19092',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9192',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_datastorm="pw";',
      'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
      'listener.name.sasl_ssl.ssl.keystore.location': '/k/broker.pem',
    });
    expect(nodeSettings(DEFAULT_LAYOUT, 1, LINE)['sasl.enabled.mechanisms']).toBeUndefined();
    const services = parse(renderCompose(layout, DEFAULT_KAFKA_VERSION)).services as Record<string, { environment: Record<string, string>; volumes: string[] }>;
    for (const [i, service] of Object.values(services).entries()) {
      expect(service.volumes).toEqual(['./tls:/etc/datastorm/tls:ro']);
      for (const [key, value] of Object.entries(nodeSettings(layout, i + 1, LINE, COMPOSE_SECRETS))) {
        expect(service.environment[envName(key)]).toBe(value);
      }
    }
  });
});
