import { DataStormError } from '../shared/errors.js';
import { readPropertiesFile, splitProperty } from '../run-spec/properties-file.js';
import { isSecurityProperty, parseClientSecurity, type ClientSecurity } from './client-security.js';

/**
 * The client properties files of the consuming commands (--consumer.config, --command-config, as Kafka's
 * consumer-perf-test and admin tools take them): security properties and bootstrap.servers. Any other
 * property is an error naming it, never silently ignored.
 */
export function readClientProperties(files: Array<{ flag: string; file?: string }>): { security: ClientSecurity; bootstrapServers?: string } {
  const props: Record<string, string> = {};
  for (const { flag, file } of files) {
    if (file === undefined) continue;
    for (const line of readPropertiesFile(file, flag, 'DS_BAD_CLIENT_CONFIG')) {
      const [key, value] = splitProperty(line, 'DS_BAD_CLIENT_CONFIG', `${flag} line`);
      if (!isSecurityProperty(key) && key !== 'bootstrap.servers') {
        throw new DataStormError('DS_UNSUPPORTED_CLIENT_PROP', `${key} in ${flag} ${file} is not a property DataStorm's consumers take`, {
          hint: 'it takes security.protocol, ssl.*, sasl.* and bootstrap.servers; the consumers\' own settings are flags (--fetch-size, --group, ...)',
        });
      }
      props[key] = value;
    }
  }
  const { 'bootstrap.servers': bootstrapServers, ...securityProps } = props;
  return { security: parseClientSecurity(securityProps), bootstrapServers };
}
