import type { TestProject } from 'vitest/node';
import { clusterDown, clusterUp } from '../src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_LAYOUT } from '../src/cluster/settings.js';

declare module 'vitest' {
  export interface ProvidedContext {
    bootstrap: string[];
  }
}

/**
 * Brings the shared local cluster up for the suite, or reuses one already running (or the cluster named by
 * DATASTORM_TEST_BOOTSTRAP); stops it afterwards only if this run started it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.DATASTORM_TEST_BOOTSTRAP;
  if (external) {
    project.provide('bootstrap', external.split(','));
    return async () => undefined;
  }
  const state = await clusterUp({
    layout: DEFAULT_LAYOUT,
    kafkaVersion: DEFAULT_KAFKA_VERSION,
    log: (line) => process.stderr.write(`[cluster] ${line}\n`),
  });
  process.stderr.write(`[cluster] ${state.alreadyRunning ? 'reusing running' : `started in ${state.startupMs} ms:`} ${state.bootstrap.join(',')}\n`);
  project.provide('bootstrap', state.bootstrap);
  return async () => {
    if (!state.alreadyRunning && !process.env.DATASTORM_KEEP_CLUSTER) await clusterDown();
  };
}
