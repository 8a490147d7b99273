import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatSecurity, isSecretProperty, maskPropertyLine, parseClientSecurity, parseJaasOptions, publicSecurity, secretsIn,
} from '../../src/security/client-security.js';
import { kafkajsSecurity } from '../../src/security/kafkajs-security.js';
import { propertyLines } from '../../src/shared/properties-file.js';
import { formatCommand } from '../../src/analysis/report-document.js';

const dir = mkdtempSync(join(tmpdir(), 'datastorm-security-unit-'));
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, CA);
const SECRET = 's3cr=t"pw';
const JAAS = `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3cr=t\\"pw";`;
const saslSsl = { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': JAAS, 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': caFile };

describe('client security from Kafka properties', () => {
  it('is PLAINTEXT with no property, and kafkajs gets no ssl or sasl option', () => {
    expect(parseClientSecurity({ acks: 'all' })).toEqual({ protocol: 'PLAINTEXT', properties: {} });
    expect(kafkajsSecurity(parseClientSecurity({}))).toEqual({});
  });

  it('reads SASL_SSL with SCRAM: the CA from the PEM truststore, user and password from the JAAS line (escaped quote included)', () => {
    const security = parseClientSecurity(saslSsl);
    expect(security).toEqual({
      protocol: 'SASL_SSL',
      tls: { caPem: CA, caFile, verifyHostname: true },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: SECRET },
      properties: saslSsl,
    });
    const options = kafkajsSecurity(security);
    expect(options.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'alice', password: SECRET });
    expect(options.ssl).toEqual({ rejectUnauthorized: true, ca: [CA] });
  });

  it('maps PLAIN and SCRAM-SHA-256, SSL without SASL, and an empty endpoint identification algorithm', () => {
    const plain = parseClientSecurity({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username=bob password=pw;' });
    expect(plain.tls).toBeUndefined();
    expect(kafkajsSecurity(plain)).toEqual({ sasl: { mechanism: 'plain', username: 'bob', password: 'pw' } });
    const ssl = parseClientSecurity({ 'security.protocol': 'ssl', 'ssl.truststore.location': caFile, 'ssl.endpoint.identification.algorithm': '' });
    expect(ssl.sasl).toBeUndefined();
    const options = kafkajsSecurity(ssl).ssl as { checkServerIdentity?: () => undefined; rejectUnauthorized: boolean };
    expect(options.rejectUnauthorized).toBe(true);
    expect(options.checkServerIdentity?.()).toBeUndefined();
    expect(parseClientSecurity({ ...saslSsl, 'sasl.mechanism': 'SCRAM-SHA-256' }).sasl?.mechanism).toBe('SCRAM-SHA-256');
  });

  it('reads a PEM keystore (key and certificate in one file) for mutual TLS', () => {
    const keystore = join(dir, 'client.pem');
    writeFileSync(keystore, '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n' + CA);
    const tls = parseClientSecurity({ 'security.protocol': 'SSL', 'ssl.truststore.location': caFile, 'ssl.keystore.location': keystore,
      'ssl.keystore.type': 'PEM', 'ssl.key.password': 'kp' }).tls;
    expect(tls).toMatchObject({ certPem: CA.trim(), keyPem: '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----', passphrase: 'kp', keystoreFile: keystore });
  });

  it('takes an OAUTHBEARER token from a file, read when a connection authenticates, or from a command', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'eyJtoken\n');
    const fromFile = parseClientSecurity({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER',
      'sasl.oauthbearer.token.endpoint.url': `file://${tokenFile}`, 'ssl.truststore.location': caFile });
    expect(fromFile.sasl).toEqual({ mechanism: 'OAUTHBEARER', tokenFile });
    const provider = (kafkajsSecurity(fromFile).sasl as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider;
    expect(await provider()).toEqual({ value: 'eyJtoken' });
    const fromCommand = parseClientSecurity({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'OAUTHBEARER',
      'datastorm.sasl.oauthbearer.token.command': 'echo cmdtoken' });
    expect(await (kafkajsSecurity(fromCommand).sasl as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider())
      .toEqual({ value: 'cmdtoken' });
  });

  it('refuses what it cannot honour with one line naming it', () => {
    const bad = (props: Record<string, string>) => () => parseClientSecurity(props);
    expect(bad({ 'security.protocol': 'TLS' })).toThrow('security.protocol TLS is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL');
    expect(bad({ ...saslSsl, 'sasl.mechanism': 'GSSAPI' })).toThrow('sasl.mechanism GSSAPI is not supported');
    expect(bad({ 'security.protocol': 'SASL_SSL', 'sasl.jaas.config': JAAS })).toThrow('sasl.mechanism GSSAPI (Kafka\'s default when sasl.mechanism is not set) is not supported');
    expect(bad({ ...saslSsl, 'ssl.truststore.location': join(dir, 'missing.pem') })).toThrow(`ssl.truststore.location ${join(dir, 'missing.pem')} cannot be read (ENOENT)`);
    expect(bad({ ...saslSsl, 'ssl.truststore.type': 'JKS' })).toThrow('cannot be read by Node\'s TLS: give the CA certificates as PEM');
    expect(bad({ ...saslSsl, 'ssl.truststore.location': join(dir, 'ts.p12'), 'ssl.truststore.type': '' })).toThrow('ssl.truststore.type PKCS12');
    expect(bad({ ...saslSsl, 'ssl.cipher.suites': 'X' })).toThrow('security property ssl.cipher.suites is not supported');
    expect(bad({ 'ssl.truststore.location': caFile })).toThrow('ssl.truststore.location is set but security.protocol is PLAINTEXT');
    expect(bad({ ...saslSsl, 'sasl.jaas.config': 'ScramLoginModule required username="a";' })).toThrow('needs username="..." and password="..."');
    expect(bad({ ...saslSsl, 'ssl.endpoint.identification.algorithm': 'ldap' })).toThrow('takes https or nothing');
    expect(bad({ ...saslSsl, 'sasl.mechanism': 'OAUTHBEARER' })).toThrow('OAUTHBEARER needs exactly one token source');
  });

  it('parses JAAS options, quoted or bare', () => {
    expect(parseJaasOptions('x.PlainLoginModule required username="a b" password=c;')).toEqual({ username: 'a b', password: 'c' });
  });
});

describe('secrets stay secret', () => {
  it('masks the password in JAAS lines, key and store passwords, in properties lines and command lines', () => {
    expect(maskPropertyLine(`sasl.jaas.config=${JAAS}`)).toBe(
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="***";');
    expect(maskPropertyLine('ssl.keystore.password=hunter2')).toBe('ssl.keystore.password=***');
    expect(maskPropertyLine('ssl.key.password=hunter2')).toBe('ssl.key.password=***');
    expect(maskPropertyLine('acks=all')).toBe('acks=all');
    expect(formatCommand(['--producer-props', `sasl.jaas.config=${JAAS}`, 'acks=1'])).toBe(
      'datastorm produce --producer-props \'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="***";\' acks=1');
  });

  it('names the secrets a property holds: a JAAS line\'s password or token, a password or key whole; none in others', () => {
    expect(secretsIn('sasl.jaas.config', JAAS)).toEqual(['s3cr=t\\"pw']);
    expect(secretsIn('sasl.jaas.config', 'x.OAuthBearerLoginModule required token=abc.def;')).toEqual(['abc.def']);
    expect(secretsIn('ssl.keystore.key', 'KEY')).toEqual(['KEY']);
    expect(['sasl.jaas.config', 'ssl.truststore.password', 'ssl.keystore.password', 'ssl.key.password', 'ssl.keystore.key', 'acks',
      'sasl.mechanism', 'ssl.truststore.certificates'].filter(isSecretProperty)).toEqual([
      'sasl.jaas.config', 'ssl.truststore.password', 'ssl.keystore.password', 'ssl.key.password', 'ssl.keystore.key']);
    expect([secretsIn('acks', 'all'), secretsIn('ssl.key.password', ''), secretsIn('sasl.jaas.config', 'x.PlainLoginModule required password="";')])
      .toEqual([[], [], []]);
  });

  it('shows protocol, mechanism, user and files, never a password or the key (certificates are public)', () => {
    const shown = publicSecurity(parseClientSecurity({ ...saslSsl, 'ssl.keystore.key': 'KEY', 'ssl.keystore.certificate.chain': CA, 'ssl.key.password': 'kp' }));
    const text = JSON.stringify(shown);
    for (const secret of ['s3cr', 'KEY', 'kp']) expect(text).not.toContain(secret);
    expect(shown.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'alice', password: '***' });
    expect(shown.tls).toEqual({ caFile, keystoreFile: undefined, verifyHostname: true });
    expect(formatSecurity(shown)).toBe('SASL_SSL SCRAM-SHA-512 user alice');
  });
});

describe('properties files', () => {
  it('read key=value, key: value and key value, skip comments and join continued lines', () => {
    expect(propertyLines('# c\n! c\na=1\nb: 2\nc 3\nsasl.jaas.config=x \\\n   required y;\n\n')).toEqual(['a=1', 'b=2', 'c=3', 'sasl.jaas.config=x required y;']);
  });
});
