import { DataStormError } from '../shared/errors.js';
import { readPropertiesFile, splitProperty } from '../shared/properties-file.js';
import { isSecurityProperty, parseClientSecurity, type ClientSecurity } from './client-security.js';

/** Client properties from a file (`file`) or given one by one on the command line (`lines`, key=value). */
export interface ClientPropertiesSource {
  flag: string;
  file?: string;
  lines?: string[];
}

/**
 * The client properties of the consuming commands (--consumer.config, --command-config and --command-property,
 * as Kafka's consumer-perf-test and admin tools take them), later sources winning: security properties and
 * bootstrap.servers. Any other property is an error naming it, never silently ignored.
 */
export function readClientProperties(sources: ClientPropertiesSource[], others?: { takes: (key: string) => boolean; what: string }):
{ security: ClientSecurity; bootstrapServers?: string; otherProps: Record<string, string> } {
  const props: Record<string, string> = {};
  // A command's own further properties (consume's schema registry's), handed back apart from the security ones.
  const otherProps: Record<string, string> = {};
  for (const { flag, file, lines } of sources) {
    const where = file === undefined ? flag : `${flag} ${file}`;
    for (const line of lines ?? (file === undefined ? [] : readPropertiesFile(file, flag))) {
      const [key, value] = splitProperty(line, `${flag} line`);
      if (others?.takes(key)) {
        otherProps[key] = value;
        continue;
      }
      if (!isSecurityProperty(key) && key !== 'bootstrap.servers') {
        throw new DataStormError('DS_BAD_CLIENT_CONFIG', `${key} in ${where} is not a property DataStorm's consumers take`, {
          hint: `it takes security.protocol, ssl.*, sasl.*, bootstrap.servers${others ? `, ${others.what}` : ''}; the consumers' own settings are flags (--fetch-size, --group, ...)`,
        });
      }
      props[key] = value;
    }
  }
  const { 'bootstrap.servers': bootstrapServers, ...securityProps } = props;
  return { security: parseClientSecurity(securityProps), bootstrapServers, otherProps };
}
