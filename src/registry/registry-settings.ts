import { InvalidArgumentError } from 'commander';
import { DataStormError } from '../shared/errors.js';
import { MASK, parseClientSecurity, type TlsSettings } from '../security/client-security.js';

/**
 * How DataStorm reaches a schema registry, from the properties Confluent's clients take (basic.auth.user.info,
 * schema.registry.ssl.*): plain data, so it crosses into worker threads. `userInfo` is a secret (publicRegistry).
 */
export interface RegistrySettings {
  url: string;
  /** basic.auth.user.info, user:password: sent as HTTP basic authentication. */
  userInfo?: string;
  tls?: TlsSettings;
  /** The registry properties as given (secrets included: show publicRegistry). */
  properties: Record<string, string>;
}

/** Confluent's subject name strategies: TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy. */
export const SUBJECT_STRATEGIES = ['topic', 'record', 'topic-record'] as const;
export type SubjectStrategy = (typeof SUBJECT_STRATEGIES)[number];

/** Confluent's class names of the strategies (value.subject.name.strategy), by DataStorm's names. */
const STRATEGY_CLASSES: Record<SubjectStrategy, string> = {
  topic: 'io.confluent.kafka.serializers.subject.TopicNameStrategy',
  record: 'io.confluent.kafka.serializers.subject.RecordNameStrategy',
  'topic-record': 'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy',
};

/** The subject a value's schema is registered under: `<topic>-value`, the record's full name, or `<topic>-<full name>`. */
export function subjectOf(strategy: SubjectStrategy, topic: string, recordName: string | undefined): string {
  if (strategy === 'topic') return `${topic}-value`;
  if (!recordName) {
    throw new DataStormError('DS_BAD_OPTION', `--subject-strategy ${strategy} names the subject after the record; the schema is not a named record`, {
      hint: 'use --subject-strategy topic, or a schema whose top level is a record',
    });
  }
  return strategy === 'record' ? recordName : `${topic}-${recordName}`;
}

const USER_INFO = 'basic.auth.user.info';
const PREFIXED_USER_INFO = 'schema.registry.basic.auth.user.info';
const SSL_PREFIX = 'schema.registry.ssl.';
/** The registry properties DataStorm honours, besides schema.registry.ssl.* (read as Kafka's ssl.* are). */
const REGISTRY_PROPERTIES = [
  'schema.registry.url', 'basic.auth.credentials.source', USER_INFO, PREFIXED_USER_INFO, 'auto.register.schemas', 'value.subject.name.strategy',
] as const;

/** True for a property of the registry's client (to route it away from producer and consumer settings). */
export function isRegistryProperty(key: string): boolean {
  return (REGISTRY_PROPERTIES as readonly string[]).includes(key) || key.startsWith(SSL_PREFIX);
}

function registryError(message: string, hint?: string): DataStormError {
  return new DataStormError('DS_BAD_CLIENT_CONFIG', message, hint ? { hint } : {});
}

/** --schema-registry's value: an http(s) base URL, credentials never in it (they would be printed with it). */
export function parseRegistryUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`--schema-registry takes an http:// or https:// URL, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`--schema-registry takes an http:// or https:// URL, not "${value}"`);
  if (url.username || url.password) {
    throw new InvalidArgumentError('--schema-registry takes a URL without user:password@ (give basic.auth.user.info=user:password as a property)');
  }
  if (url.search || url.hash) throw new InvalidArgumentError(`--schema-registry takes a base URL without ?query or #fragment, not "${value}"`);
  return url.toString().replace(/\/$/, '');
}

/** What the registry properties say about a run besides the connection: the strategy and auto-registration, if set. */
export interface RegistryChoices {
  subjectStrategy?: SubjectStrategy;
  autoRegister?: boolean;
}

/**
 * The registry connection from its URL (the flag, else schema.registry.url) and Confluent's client properties;
 * undefined when neither names a registry. A property DataStorm does not take is an error naming it.
 */
export function parseRegistrySettings(flagUrl: string | undefined, props: Record<string, string>): { settings?: RegistrySettings; choices: RegistryChoices } {
  for (const key of Object.keys(props)) {
    if (!isRegistryProperty(key)) throw registryError(`registry property ${key} is not supported`, `supported: ${REGISTRY_PROPERTIES.join(', ')}, ${SSL_PREFIX}*`);
  }
  const choices = registryChoices(props);
  const propUrl = props['schema.registry.url'];
  if (flagUrl !== undefined && propUrl !== undefined && parseRegistryUrl(propUrl) !== flagUrl) {
    throw registryError(`--schema-registry ${flagUrl} and schema.registry.url=${propUrl} disagree`, 'give the registry once');
  }
  const url = flagUrl ?? (propUrl === undefined ? undefined : registryUrlOfProperty(propUrl));
  if (url === undefined) {
    const stray = Object.keys(props)[0];
    if (stray !== undefined) throw registryError(`${stray} is set but no registry is: give --schema-registry URL`);
    return { choices };
  }
  const source = props['basic.auth.credentials.source'] ?? 'USER_INFO';
  if (source !== 'USER_INFO') throw registryError(`basic.auth.credentials.source ${source} is not supported`, 'use USER_INFO with basic.auth.user.info=user:password');
  const userInfo = props[PREFIXED_USER_INFO] ?? props[USER_INFO];
  if (userInfo !== undefined && !userInfo.includes(':')) throw registryError(`${USER_INFO} takes user:password`);
  const sslProps = Object.fromEntries(Object.entries(props).filter(([key]) => key.startsWith(SSL_PREFIX)).map(([key, value]) => [`ssl.${key.slice(SSL_PREFIX.length)}`, value]));
  const https = url.startsWith('https:');
  if (!https && Object.keys(sslProps).length > 0) throw registryError(`${SSL_PREFIX}* is set but the registry's URL ${url} is not https://`);
  const tls = https ? parseClientSecurity({ 'security.protocol': 'SSL', ...sslProps }).tls : undefined;
  return { settings: { url, ...(userInfo !== undefined ? { userInfo } : {}), ...(tls ? { tls } : {}), properties: props }, choices };
}

function registryUrlOfProperty(value: string): string {
  try {
    return parseRegistryUrl(value);
  } catch (error) {
    throw registryError(`schema.registry.url: ${(error as Error).message.replace('--schema-registry ', '')}`);
  }
}

function registryChoices(props: Record<string, string>): RegistryChoices {
  const choices: RegistryChoices = {};
  const auto = props['auto.register.schemas'];
  if (auto !== undefined) {
    if (auto !== 'true' && auto !== 'false') throw registryError(`auto.register.schemas takes true or false, not "${auto}"`);
    choices.autoRegister = auto === 'true';
  }
  const strategyClass = props['value.subject.name.strategy'];
  if (strategyClass !== undefined) {
    const strategy = (Object.keys(STRATEGY_CLASSES) as SubjectStrategy[]).find((name) => STRATEGY_CLASSES[name] === strategyClass || name === strategyClass);
    if (!strategy) throw registryError(`value.subject.name.strategy ${strategyClass} is not one of Confluent's three`, `one of ${Object.values(STRATEGY_CLASSES).join(', ')}`);
    choices.subjectStrategy = strategy;
  }
  return choices;
}

/** The connection as a result or report may show it: the URL and the user; no password, no key. */
export function publicRegistry(settings: RegistrySettings): RegistrySettings {
  const masked = (key: string, value: string) => {
    if (key === USER_INFO || key === PREFIXED_USER_INFO) return maskUserInfo(value);
    return /password|\.key$/.test(key) ? MASK : value;
  };
  return {
    url: settings.url,
    ...(settings.userInfo !== undefined ? { userInfo: maskUserInfo(settings.userInfo) } : {}),
    ...(settings.tls ? { tls: { caFile: settings.tls.caFile, keystoreFile: settings.tls.keystoreFile, verifyHostname: settings.tls.verifyHostname } } : {}),
    properties: Object.fromEntries(Object.entries(settings.properties).map(([key, value]) => [key, masked(key, value)])),
  };
}

const maskUserInfo = (userInfo: string) => `${userInfo.slice(0, userInfo.indexOf(':'))}:${MASK}`;
