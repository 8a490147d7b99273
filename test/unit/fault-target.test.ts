import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkFaultTarget } from '../../src/faults/fault-target.js';
import { errorOf } from '../helpers.js';

const kill = [{ action: 'kill-node' as const, node: 2, atMs: 1000 }];
const HINT = 'run on the cluster of `datastorm cluster up` (leave out --bootstrap-server, or give any of its addresses; DATASTORM_CLUSTER_DIR names its folder)';

describe('checkFaultTarget', () => {
  let dir: string;
  beforeEach(() => {
    // The state of a local cluster with its SASL_SSL listener: all checkFaultTarget reads of it.
    dir = mkdtempSync(join(tmpdir(), 'datastorm-fault-target-'));
    process.env.DATASTORM_CLUSTER_DIR = dir;
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify({
      bootstrap: ['127.0.0.1:9092', '127.0.0.1:9093', '127.0.0.1:9094'], nodes: [{ id: 1 }, { id: 2 }, { id: 3 }],
      saslSsl: { bootstrap: ['127.0.0.1:9192', '127.0.0.1:9193', '127.0.0.1:9194'] },
    }));
  });
  afterEach(() => { delete process.env.DATASTORM_CLUSTER_DIR; });

  it('knows the local cluster by any of its addresses, in any order, with localhost for 127.0.0.1', () => {
    for (const bootstrap of [['127.0.0.1:9092'], ['127.0.0.1:9094', '127.0.0.1:9092'], ['localhost:9093'], ['LocalHost:9092', '127.0.0.1:9093'],
      ['127.0.0.1:9192'], ['127.0.0.1:9092', '127.0.0.1:9093', '127.0.0.1:9094']]) {
      expect(() => checkFaultTarget(kill, bootstrap), bootstrap.join(',')).not.toThrow();
    }
  });

  it('refuses a list with any address that is not the local cluster\'s, naming it', () => {
    for (const [bootstrap, named] of [[['127.0.0.1:9095'], '127.0.0.1:9095'], [['127.0.0.1:9092', 'broker.example.com:9092'], 'broker.example.com:9092'],
      [['localhost:19092'], 'localhost:19092'], [['127.0.0.2:9092'], '127.0.0.2:9092']] as const) {
      const error = errorOf(() => checkFaultTarget(kill, [...bootstrap]));
      expect([error.code, error.message, error.hint]).toEqual(['DS_BAD_OPTION',
        `--fault acts on the local cluster (127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094); ${named} is not one of its addresses`, HINT]);
    }
  });

  it('takes steps that name no node, or a partition, whatever the nodes', () => {
    expect(() => checkFaultTarget([{ action: 'kill-controller', atMs: 0 }, { action: 'kill-leader', partition: 7, atMs: 0 }, { action: 'restart-all', atMs: 0 }],
      ['127.0.0.1:9092'])).not.toThrow();
    expect(errorOf(() => checkFaultTarget([{ action: 'pause-node', node: 5, atMs: 0, forMs: 1000 }], ['127.0.0.1:9092'])).message)
      .toBe('--fault names node 5; the local cluster has nodes 1, 2, 3');
  });

  it('refuses a partition-node before any work where nft cannot be run, in one line', () => {
    const path = process.env.PATH;
    // A PATH with no nft on it: as on a machine without nftables.
    process.env.PATH = mkdtempSync(join(tmpdir(), 'datastorm-no-nft-'));
    try {
      const error = errorOf(() => checkFaultTarget([{ action: 'partition-node', node: 2, atMs: 5000, forMs: 20_000 }], ['127.0.0.1:9092']));
      expect([error.code, error.message, error.hint]).toEqual(['DS_CANNOT_PARTITION', 'partition-node needs nftables and CAP_NET_ADMIN: nft is not installed',
        'install nftables (apt-get install -y nftables) and run as root, or in a network namespace of your own (ip netns)']);
      expect(() => checkFaultTarget([{ action: 'pause-node', node: 2, atMs: 5000, forMs: 20_000 }], ['127.0.0.1:9092'])).not.toThrow();
    } finally {
      process.env.PATH = path;
    }
  });

  it('refuses any address when no local cluster is there, and a node the local cluster does not have', () => {
    expect(errorOf(() => checkFaultTarget([{ action: 'kill-node', node: 4, atMs: 0 }], ['127.0.0.1:9092'])).message)
      .toBe('--fault names node 4; the local cluster has nodes 1, 2, 3');
    process.env.DATASTORM_CLUSTER_DIR = join(dir, 'none');
    const error = errorOf(() => checkFaultTarget(kill, ['127.0.0.1:9092']));
    expect([error.code, error.message]).toEqual(['DS_BAD_OPTION', `--fault acts on the local cluster, and there is none in ${join(dir, 'none')}`]);
  });
});
