import type { TestProject } from 'vitest/node';
import { clusterDown, clusterUp } from '../src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_LAYOUT } from '../src/cluster/settings.js';
import { registryDown, registryUp } from '../src/registry/apicurio.js';
import { DataStormError } from '../src/shared/errors.js';

declare module 'vitest' {
  export interface ProvidedContext {
    bootstrap: string[];
    /**
     * Confluent's API of the suite's schema registry (the local Apicurio's, or DATASTORM_TEST_REGISTRY); empty when
     * no Java 21+ is installed to run it (registryMissing says so, and the registry's tests skip naming it).
     */
    registryUrl: string;
    registryMissing: string;
  }
}

/**
 * Brings the shared local cluster and schema registry up for the suite, or reuses those already running (or the
 * cluster named by DATASTORM_TEST_BOOTSTRAP, the registry by DATASTORM_TEST_REGISTRY); stops each afterwards only if
 * this run started it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [stopCluster, stopRegistry] = await Promise.all([clusterSetup(project), registrySetup(project)]);
  return async () => {
    await Promise.all([stopCluster(), stopRegistry()]);
  };
}

async function registrySetup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.DATASTORM_TEST_REGISTRY;
  if (external) {
    project.provide('registryUrl', external);
    project.provide('registryMissing', '');
    return async () => undefined;
  }
  project.provide('registryMissing', '');
  let state: Awaited<ReturnType<typeof registryUp>>;
  try {
    state = await registryUp({ log: (line) => process.stderr.write(`[registry] ${line}\n`) });
  } catch (error) {
    // Only a machine without the Java it needs goes on without it; any other failure fails the suite.
    if (!(error instanceof DataStormError) || error.code !== 'DS_NO_JAVA') throw error;
    process.stderr.write(`[registry] not started: ${error.message}; the schema registry's tests skip\n`);
    project.provide('registryUrl', '');
    project.provide('registryMissing', error.message);
    return async () => undefined;
  }
  process.stderr.write(`[registry] ${state.alreadyRunning ? 'reusing running' : `started in ${state.startupMs} ms:`} ${state.url}\n`);
  project.provide('registryUrl', state.url);
  return async () => {
    if (!state.alreadyRunning && !process.env.DATASTORM_KEEP_CLUSTER) await registryDown();
  };
}

async function clusterSetup(project: TestProject): Promise<() => Promise<void>> {
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
