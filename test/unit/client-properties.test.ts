import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readClientProperties } from '../../src/security/client-properties.js';
import { errorOf } from '../helpers.js';

describe('the consuming commands\' client properties', () => {
  const dir = mkdtempSync(join(tmpdir(), 'datastorm-client-props-'));
  const file = join(dir, 'client.properties');
  writeFileSync(file, 'bootstrap.servers=h1:9092\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n' +
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";\n');

  it('reads files, then --command-property lines, a later one winning', () => {
    const { security, bootstrapServers } = readClientProperties([
      { flag: '--command-config', file },
      { flag: '--command-property', lines: ['bootstrap.servers=h2:9092', 'sasl.mechanism=SCRAM-SHA-256'] },
    ]);
    expect(bootstrapServers).toBe('h2:9092');
    expect(security).toMatchObject({ protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' } });
    expect(readClientProperties([{ flag: '--command-property' }, { flag: '--command-config' }]).bootstrapServers).toBeUndefined();
  });

  it('refuses a property its consumers do not take, naming where it came from', () => {
    const error = errorOf(() => readClientProperties([{ flag: '--command-property', lines: ['fetch.min.bytes=1'] }]));
    expect([error.code, error.message]).toEqual(['DS_BAD_CLIENT_CONFIG', 'fetch.min.bytes in --command-property is not a property DataStorm\'s consumers take']);
    expect(errorOf(() => readClientProperties([{ flag: '--command-property', lines: ['acks'] }])).code).toBe('DS_BAD_CLIENT_CONFIG');
  });
});
