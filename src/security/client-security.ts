import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { DataStormError } from '../shared/errors.js';

/**
 * A client's TLS and SASL settings, resolved once from Kafka's own client properties (security.protocol,
 * ssl.*, sasl.*). Plain data: it crosses into worker threads by structured clone, so files are read here (a
 * missing truststore fails before any work) and functions are built where the client is (kafkajs-security.ts).
 */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface TlsSettings {
  /** PEM of the CAs to trust; undefined: Node's default CAs. */
  caPem?: string;
  /** Where caPem came from, to name it in errors. */
  caFile?: string;
  /** Mutual TLS: the client's certificate chain and key (PEM), or a PKCS#12 keystore (base64). */
  certPem?: string;
  keyPem?: string;
  pkcs12Base64?: string;
  /** Passphrase of the key or of the PKCS#12 keystore. */
  passphrase?: string;
  keystoreFile?: string;
  /** ssl.endpoint.identification.algorithm=https (Kafka's default): the certificate must name the host. */
  verifyHostname: boolean;
}

export type SaslSettings =
  | { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
  /** The token is read when a connection authenticates: from a file, or what a command prints. */
  | { mechanism: 'OAUTHBEARER'; tokenFile?: string; tokenCommand?: string };

export interface ClientSecurity {
  protocol: SecurityProtocol;
  tls?: TlsSettings;
  sasl?: SaslSettings;
  /** The security properties as the user gave them, for Kafka's Java tools. */
  properties: Record<string, string>;
}

export const PLAINTEXT: ClientSecurity = { protocol: 'PLAINTEXT', properties: {} };

/** Kafka's file-based OAUTHBEARER token (KIP-768 accepts file: URLs for it). */
const TOKEN_URL = 'sasl.oauthbearer.token.endpoint.url';
/** DataStorm's own: a command that prints a token (no Kafka property does this). */
export const TOKEN_COMMAND = 'datastorm.sasl.oauthbearer.token.command';

/** The security properties DataStorm honours; any other ssl.* or sasl.* property is an error naming it. */
export const SECURITY_PROPERTIES = [
  'security.protocol',
  'ssl.truststore.location', 'ssl.truststore.type', 'ssl.truststore.password', 'ssl.truststore.certificates',
  'ssl.keystore.location', 'ssl.keystore.type', 'ssl.keystore.password', 'ssl.key.password',
  'ssl.keystore.key', 'ssl.keystore.certificate.chain', 'ssl.endpoint.identification.algorithm',
  'sasl.mechanism', 'sasl.jaas.config', TOKEN_URL, 'sasl.login.callback.handler.class', TOKEN_COMMAND,
] as const;

/** Values that are secret as a whole; sasl.jaas.config is masked inside (its password only). */
const SECRET_PROPERTIES: ReadonlySet<string> = new Set([
  'ssl.truststore.password', 'ssl.keystore.password', 'ssl.key.password', 'ssl.keystore.key',
]);
const JAAS = 'sasl.jaas.config';
/** The password or token option of a JAAS line, with its value (quoted or bare) as group 3. */
const JAAS_SECRET = /\b(password|token)(\s*=\s*)("(?:[^"\\]|\\.)*"|[^\s;"]+)/gi;

export const MASK = '***';

/** True for a property this module owns (to route it away from producer/consumer settings). */
export function isSecurityProperty(key: string): boolean {
  return key === 'security.protocol' || key.startsWith('ssl.') || key.startsWith('sasl.') || key === TOKEN_COMMAND;
}

function securityError(message: string, hint?: string): DataStormError {
  return new DataStormError('DS_BAD_SECURITY_CONFIG', message, { hint });
}

/** `username="u" password="p"` pairs of a JAAS line: the login module's options. */
export function parseJaasOptions(jaas: string): Record<string, string> {
  const match = /^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\s*(.*?)\s*;?\s*$/s.exec(jaas);
  if (!match) {
    throw securityError('sasl.jaas.config is not "<LoginModule> required key="value" ...;"',
      'e.g. org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";');
  }
  const options: Record<string, string> = {};
  const pair = /([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/g;
  for (const [, key, quoted, bare] of match[3].matchAll(pair)) options[key] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare;
  return options;
}

function readText(file: string, property: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw securityError(`${property} ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`,
      'give the path of a PEM file that exists');
  }
}

/** ssl.truststore.type / ssl.keystore.type, else what the file name says (Kafka's own default is JKS). */
function storeType(props: Record<string, string>, prefix: 'ssl.truststore' | 'ssl.keystore', file: string): string {
  const typed = props[`${prefix}.type`]?.toUpperCase();
  if (typed) return typed;
  const ext = extname(file).toLowerCase();
  if (['.pem', '.crt', '.cer'].includes(ext)) return 'PEM';
  if (['.p12', '.pfx'].includes(ext)) return 'PKCS12';
  return 'JKS';
}

function trustSettings(props: Record<string, string>): Pick<TlsSettings, 'caPem' | 'caFile'> {
  if (props['ssl.truststore.certificates']) return { caPem: props['ssl.truststore.certificates'] };
  const file = props['ssl.truststore.location'];
  if (!file) return {};
  const type = storeType(props, 'ssl.truststore', file);
  if (type !== 'PEM') {
    throw securityError(`ssl.truststore.type ${type} (${file}) cannot be read by Node's TLS: give the CA certificates as PEM`,
      `ssl.truststore.type=PEM with ssl.truststore.location=ca.pem; export it with: keytool -exportcert -rfc -keystore ${file} -alias <ca> > ca.pem`);
  }
  const pem = readText(file, 'ssl.truststore.location');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw securityError(`ssl.truststore.location ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return { caPem: pem, caFile: file };
}

function keySettings(props: Record<string, string>): Partial<TlsSettings> {
  const passphrase = props['ssl.key.password'] ?? props['ssl.keystore.password'];
  if (props['ssl.keystore.key'] || props['ssl.keystore.certificate.chain']) {
    if (!props['ssl.keystore.key'] || !props['ssl.keystore.certificate.chain']) {
      throw securityError('ssl.keystore.key and ssl.keystore.certificate.chain go together (the PEM key and its certificate chain)');
    }
    return { keyPem: props['ssl.keystore.key'], certPem: props['ssl.keystore.certificate.chain'], passphrase };
  }
  const file = props['ssl.keystore.location'];
  if (!file) return {};
  const type = storeType(props, 'ssl.keystore', file);
  if (type === 'PKCS12') {
    let pkcs12: Buffer;
    try {
      pkcs12 = readFileSync(file);
    } catch (error) {
      throw securityError(`ssl.keystore.location ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`);
    }
    return { pkcs12Base64: pkcs12.toString('base64'), passphrase: props['ssl.keystore.password'], keystoreFile: file };
  }
  if (type !== 'PEM') {
    throw securityError(`ssl.keystore.type ${type} (${file}) cannot be read by Node's TLS: give the key and certificate as PEM or PKCS12`,
      'ssl.keystore.type=PEM with the key (PKCS#8) and certificate in one file, or ssl.keystore.type=PKCS12');
  }
  const pem = readText(file, 'ssl.keystore.location');
  const certPem = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.join('\n');
  const keyPem = /-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!certPem || !keyPem) throw securityError(`ssl.keystore.location ${file} needs a PEM private key and certificate in one file`);
  return { certPem, keyPem, passphrase, keystoreFile: file };
}

function saslSettings(props: Record<string, string>): SaslSettings {
  // Java's default mechanism is GSSAPI (Kerberos), which kafkajs does not speak.
  const mechanism = (props['sasl.mechanism'] ?? 'GSSAPI').toUpperCase();
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    const named = props['sasl.mechanism'] === undefined ? ' (Kafka\'s default when sasl.mechanism is not set)' : '';
    throw securityError(`sasl.mechanism ${mechanism}${named} is not supported`, `set sasl.mechanism to one of ${SASL_MECHANISMS.join(', ')}`);
  }
  if (mechanism === 'OAUTHBEARER') {
    const url = props[TOKEN_URL];
    const command = props[TOKEN_COMMAND];
    if (url !== undefined && !url.startsWith('file:')) {
      throw securityError(`${TOKEN_URL} ${url}: only a file: URL is supported (the token read from that file)`,
        `or ${TOKEN_COMMAND}=<command that prints a token>`);
    }
    if ((url === undefined) === (command === undefined)) {
      throw securityError(`sasl.mechanism OAUTHBEARER needs exactly one token source: ${TOKEN_URL}=file:/path or ${TOKEN_COMMAND}=<command>`);
    }
    return url !== undefined ? { mechanism, tokenFile: new URL(url).pathname } : { mechanism, tokenCommand: command };
  }
  const jaas = props['sasl.jaas.config'];
  if (!jaas) throw securityError(`sasl.mechanism ${mechanism} needs sasl.jaas.config with username="..." password="..."`);
  const { username, password } = parseJaasOptions(jaas);
  if (!username || password === undefined) throw securityError(`sasl.jaas.config for ${mechanism} needs username="..." and password="..."`);
  return { mechanism: mechanism as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username, password };
}

/** The client security of a set of properties (other keys are the caller's); PLAINTEXT when none is given. */
export function parseClientSecurity(all: Record<string, string>): ClientSecurity {
  const props = Object.fromEntries(Object.entries(all).filter(([key]) => isSecurityProperty(key)));
  for (const key of Object.keys(props)) {
    if (!(SECURITY_PROPERTIES as readonly string[]).includes(key)) {
      throw securityError(`security property ${key} is not supported`, `supported: ${SECURITY_PROPERTIES.join(', ')}`);
    }
  }
  const protocol = (props['security.protocol'] ?? 'PLAINTEXT').toUpperCase();
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw securityError(`security.protocol ${protocol} is not one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol.startsWith('SASL_');
  const stray = Object.keys(props).find((key) => (!usesTls && key.startsWith('ssl.')) || (!usesSasl && (key.startsWith('sasl.') || key === TOKEN_COMMAND)));
  if (stray) {
    throw securityError(`${stray} is set but security.protocol is ${protocol}, which does not use it`,
      `set security.protocol=${stray.startsWith('ssl.') ? (usesSasl ? 'SASL_SSL' : 'SSL') : (usesTls ? 'SASL_SSL' : 'SASL_PLAINTEXT')}, or leave ${stray} out`);
  }
  const algorithm = props['ssl.endpoint.identification.algorithm'] ?? 'https';
  if (algorithm !== '' && algorithm.toLowerCase() !== 'https') {
    throw securityError(`ssl.endpoint.identification.algorithm takes https or nothing (no host name check), not "${algorithm}"`);
  }
  return {
    protocol: protocol as SecurityProtocol,
    tls: usesTls ? { ...trustSettings(props), ...keySettings(props), verifyHostname: algorithm !== '' } : undefined,
    sasl: usesSasl ? saslSettings(props) : undefined,
    properties: props,
  };
}

/** True for a property whose value is or holds a secret: masked when shown, never written into a manifest. */
export function isSecretProperty(key: string): boolean {
  return key === JAAS || SECRET_PROPERTIES.has(key);
}

/** The secrets in a property's value as written: all of it, or the passwords and tokens inside a JAAS line (unquoted); none for others. */
export function secretsIn(key: string, value: string): string[] {
  const secrets = key === JAAS ? [...value.matchAll(JAAS_SECRET)].map((match) => match[3].replace(/^"(.*)"$/s, '$1'))
    : isSecretProperty(key) ? [value] : [];
  return secrets.filter((secret) => secret !== '');
}

/** A property value as it may be shown: secrets as ***, the password inside a JAAS line as ***. */
export function maskPropertyValue(key: string, value: string): string {
  if (key === JAAS) return value.replace(JAAS_SECRET, `$1$2"${MASK}"`);
  return isSecretProperty(key) ? MASK : value;
}

/** `key=value` with its value masked (a command-line argument or a properties line). */
export function maskPropertyLine(line: string): string {
  const eq = line.indexOf('=');
  return eq <= 0 ? line : `${line.slice(0, eq + 1)}${maskPropertyValue(line.slice(0, eq).trim(), line.slice(eq + 1))}`;
}

/** The security as a result or report may show it: protocol, mechanism, user and files; no secret, no key. */
export function publicSecurity(security: ClientSecurity): ClientSecurity {
  const { tls, sasl } = security;
  return {
    protocol: security.protocol,
    tls: tls && { caFile: tls.caFile, keystoreFile: tls.keystoreFile, verifyHostname: tls.verifyHostname },
    sasl: sasl && (sasl.mechanism === 'OAUTHBEARER' ? sasl : { ...sasl, password: MASK }),
    properties: Object.fromEntries(Object.entries(security.properties).map(([key, value]) => [key, maskPropertyValue(key, value)])),
  };
}

/** One line for a run's header: `SASL_SSL SCRAM-SHA-512 user datastorm`, or nothing for plaintext. */
export function formatSecurity(security: ClientSecurity): string {
  const sasl = security.sasl;
  const who = sasl && sasl.mechanism !== 'OAUTHBEARER' ? ` user ${sasl.username}` : '';
  return [security.protocol, sasl?.mechanism].filter(Boolean).join(' ') + who;
}
