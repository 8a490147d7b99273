import type { ProducerDriver, ProducerSettings } from './producer-driver.js';
import type { ConsumerDriver, ConsumerDriverOptions } from './consumer-driver.js';

/** The run's producer driver; only its client library is loaded in the worker. */
export async function createProducerDriver(config: ProducerSettings, bootstrap: string[], clientId: string): Promise<ProducerDriver> {
  if (config.driver === 'platformatic') {
    const { PlatformaticDriver } = await import('./platformatic-driver.js');
    return new PlatformaticDriver(config, bootstrap, clientId);
  }
  const { KafkajsDriver } = await import('./kafkajs-driver.js');
  return new KafkajsDriver(config, bootstrap, clientId);
}

/** The driver the options name; only its client library is loaded. */
export async function createConsumerDriver(options: ConsumerDriverOptions): Promise<ConsumerDriver> {
  if (options.driver === 'platformatic') {
    const { PlatformaticConsumerDriver } = await import('./platformatic-consumer.js');
    return new PlatformaticConsumerDriver(options);
  }
  const { KafkajsConsumerDriver } = await import('./kafkajs-consumer.js');
  return new KafkajsConsumerDriver(options);
}

/** Bytes of a record as Kafka's consumer-perf-test counts them: key and value. */
