import type { RunConfig } from '../run-spec/run-config.js';
import type { ProducerDriver } from './producer-driver.js';

/** The run's driver; only its client library is loaded in the worker. */
export async function createProducerDriver(config: RunConfig, bootstrap: string[], clientId: string): Promise<ProducerDriver> {
  if (config.driver === 'platformatic') {
    const { PlatformaticDriver } = await import('./platformatic-driver.js');
    return new PlatformaticDriver(config, bootstrap, clientId);
  }
  const { KafkajsDriver } = await import('./kafkajs-driver.js');
  return new KafkajsDriver(config, bootstrap, clientId);
}
