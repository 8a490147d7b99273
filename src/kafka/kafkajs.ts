import { createRequire } from 'node:module';
import { installKafkajsPatches, kafkajsPatched } from './kafkajs-patches.js';

/**
 * kafkajs, loaded with DataStorm's fixes to its send path. Import kafkajs's values from here, never from
 * 'kafkajs': a static ESM import of a CommonJS package runs it while the module graph is linked, before any
 * of our code, which is too early to fix it. Type-only imports from 'kafkajs' are fine.
 */
installKafkajsPatches();
const kafkajs = createRequire(import.meta.url)('kafkajs') as typeof import('kafkajs');
if (!kafkajsPatched()) throw new Error('kafkajs loaded without DataStorm\'s send-path fixes in this thread');

export default kafkajs;
