import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';

/**
 * Kafka's own perf tools' flags, read from their --help as the cluster's jars print it, against the flags
 * `datastorm produce` and `consume` take. The flags DataStorm does not take yet are listed here by name: a flag
 * it comes to take, or one a new Kafka release adds, changes the list and fails the test until it is updated.
 */
function flagsIn(help: string): string[] {
  // argparse (producer-perf-test) indents option lines by two spaces; joptsimple (consumer-perf-test) does not.
  const flags = [...help.matchAll(/^ {0,2}(--[a-z][a-z.-]*[a-z])\b/gm)].map((match) => match[1]);
  return [...new Set(flags)].filter((flag) => flag !== '--help' && flag !== '--version').sort();
}

function helpOf(args: string[]): string {
  const run = runCli(args);
  return `${run.stdout}\n${run.stderr}`;
}

describe('the flags of Kafka\'s perf tools (their --help, from the cluster\'s jars)', () => {
  it('producer-perf-test: every flag is a produce flag', () => {
    const java = flagsIn(helpOf(['kafka-tool', 'producer-perf-test', '--', '--help']));
    expect(java).toContain('--command-property'); // the help was read: Kafka 4.x's names are there
    const ours = new Set(flagsIn(helpOf(['produce', '--help'])));
    expect(java).toContain('--transactional-id');
    // Kafka 4.4's KIP-1299 named its key range --record-key-range (DataStorm took the draft's --message-key-range)
    // and seeds its randomness with --random-seed: not taken yet.
    const notYet = ['--random-seed', '--record-key-range'];
    expect(notYet.filter((flag) => ours.has(flag))).toEqual([]);
    expect(java.filter((flag) => !ours.has(flag) && !notYet.includes(flag))).toEqual([]);
  });

  it('consumer-perf-test: every flag is a consume flag (--socket-buffer-size refused with its reason)', () => {
    const java = flagsIn(helpOf(['kafka-tool', 'consumer-perf-test', '--', '--help']));
    expect(java).toContain('--show-detailed-stats');
    const ours = new Set(flagsIn(helpOf(['consume', '--help'])));
    expect(java.filter((flag) => !ours.has(flag))).toEqual([]);
    // Node sets no TCP receive buffer size (SO_RCVBUF) on a socket: the flag is known, and refused with the reason.
    const refused = runCli(['consume', '--topic', 't', '--socket-buffer-size', '2097152']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim()).toBe('error: option \'--socket-buffer-size <bytes>\' argument \'2097152\' is invalid. Node cannot set a socket\'s ' +
      'TCP receive buffer (SO_RCVBUF); the kernel sizes it (net.ipv4.tcp_rmem): leave --socket-buffer-size out');
  });
});
