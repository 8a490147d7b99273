import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findJdk, jdkRelease } from '../../src/registry/jdk.js';
import { FRAME_BYTES, frameValue, framedSchemaId } from '../../src/registry/wire-format.js';
import { parseRegistrySettings, parseRegistryUrl, publicRegistry, subjectOf } from '../../src/registry/registry-settings.js';
import { formatSchemaRegistryLine } from '../../src/report/produce-report.js';
import { formatDecodeLine } from '../../src/consume/consume-report.js';
import { addDecodeFigures, NO_DECODES } from '../../src/registry/schema-decoder.js';
import { errorOf } from '../helpers.js';

/** A folder that looks like a JDK of `version` to findJdk: bin/java and a release file. */
function fakeJdk(parent: string, name: string, version: string): string {
  const home = join(parent, name);
  mkdirSync(join(home, 'bin'), { recursive: true });
  writeFileSync(join(home, 'bin', 'java'), '#!/bin/sh\nexit 1\n');
  chmodSync(join(home, 'bin', 'java'), 0o755);
  writeFileSync(join(home, 'release'), `IMPLEMENTOR="test"\nJAVA_VERSION="${version}"\n`);
  return home;
}

describe('findJdk', () => {
  const savedJavaHome = process.env.JAVA_HOME;
  afterEach(() => {
    if (savedJavaHome === undefined) delete process.env.JAVA_HOME;
    else process.env.JAVA_HOME = savedJavaHome;
  });

  it('reads the feature release of a JDK\'s release file, old and new numbering', () => {
    const jvm = mkdtempSync(join(tmpdir(), 'datastorm-jvm-'));
    expect(jdkRelease(fakeJdk(jvm, 'a', '25.0.3'))).toBe(25);
    expect(jdkRelease(fakeJdk(jvm, 'b', '1.8.0_402'))).toBe(8);
    expect(jdkRelease(join(jvm, 'none'))).toBeUndefined();
  });

  it('takes JAVA_HOME when it is new enough, else the newest JDK of the folders', () => {
    const jvm = mkdtempSync(join(tmpdir(), 'datastorm-jvm-'));
    fakeJdk(jvm, 'java-17', '17.0.15');
    const newest = fakeJdk(jvm, 'temurin-25', '25.0.3');
    fakeJdk(jvm, 'temurin-21', '21.0.5');
    process.env.JAVA_HOME = join(jvm, 'temurin-21');
    expect(findJdk(21, 'Apicurio', [jvm])).toEqual({ home: join(jvm, 'temurin-21'), release: 21 });
    process.env.JAVA_HOME = join(jvm, 'java-17');
    expect(findJdk(21, 'Apicurio', [jvm])).toEqual({ home: newest, release: 25 });
  });

  it('names what it found when no Java is new enough, in one line', () => {
    const jvm = mkdtempSync(join(tmpdir(), 'datastorm-jvm-'));
    const old = fakeJdk(jvm, 'java-17', '17.0.15');
    delete process.env.JAVA_HOME;
    const error = errorOf(() => findJdk(21, 'Apicurio Registry 3.3.3', [jvm]));
    expect(error.code).toBe('DS_NO_JAVA');
    expect(error.message).toBe(`Apicurio Registry 3.3.3 needs Java 21 or newer; found only Java 17 at ${old}`);
    const empty = mkdtempSync(join(tmpdir(), 'datastorm-jvm-'));
    expect(errorOf(() => findJdk(21, 'Apicurio Registry 3.3.3', [empty])).message)
      .toBe(`Apicurio Registry 3.3.3 needs Java 21 or newer; none found in JAVA_HOME or ${empty}`);
  });
});

describe('Confluent\'s wire format', () => {
  it('frames a body as magic byte 0, the id as a big-endian int32, then the body', () => {
    const framed = frameValue(0x01020304, Buffer.from([9, 8, 7]));
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 9, 8, 7]);
    expect(framedSchemaId(framed)).toBe(0x01020304);
    expect(framedSchemaId(frameValue(2 ** 31 - 1, Buffer.alloc(0)))).toBe(2 ** 31 - 1);
  });

  it('reads no id from a value that is not framed', () => {
    expect(framedSchemaId(Buffer.from([0, 0, 0, 1]))).toBeUndefined();
    expect(framedSchemaId(Buffer.from([1, 0, 0, 0, 1, 5]))).toBeUndefined();
    expect(FRAME_BYTES).toBe(5);
  });
});

describe('registry settings', () => {
  it('names subjects as Confluent\'s three strategies do', () => {
    expect(subjectOf('topic', 'orders', 'dev.datastorm.ClickEvent')).toBe('orders-value');
    expect(subjectOf('record', 'orders', 'dev.datastorm.ClickEvent')).toBe('dev.datastorm.ClickEvent');
    expect(subjectOf('topic-record', 'orders', 'dev.datastorm.ClickEvent')).toBe('orders-dev.datastorm.ClickEvent');
    expect(errorOf(() => subjectOf('record', 'orders', undefined)).message)
      .toBe('--subject-strategy record names the subject after the record; the schema is not a named record');
  });

  it('takes an http(s) base URL without credentials', () => {
    expect(parseRegistryUrl('http://127.0.0.1:8081/apis/ccompat/v7/')).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(() => parseRegistryUrl('ftp://x')).toThrow('--schema-registry takes an http:// or https:// URL, not "ftp://x"');
    expect(() => parseRegistryUrl('http://u:p@x')).toThrow('without user:password@');
  });

  it('reads Confluent\'s client properties and masks the password wherever it is shown', () => {
    const { settings, choices } = parseRegistrySettings('http://127.0.0.1:8081', {
      'basic.auth.credentials.source': 'USER_INFO', 'basic.auth.user.info': 'alice:s3cret-pw', 'auto.register.schemas': 'false',
      'value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy',
    });
    expect(settings?.userInfo).toBe('alice:s3cret-pw');
    expect(choices).toEqual({ autoRegister: false, subjectStrategy: 'topic-record' });
    const shown = JSON.stringify(publicRegistry(settings!));
    expect(shown).not.toContain('s3cret-pw');
    expect(publicRegistry(settings!).userInfo).toBe('alice:***');
    expect(publicRegistry(settings!).properties['basic.auth.user.info']).toBe('alice:***');
  });

  it('refuses what it does not take, in one line', () => {
    expect(errorOf(() => parseRegistrySettings('http://r', { 'schema.registry.foo': 'x' })).message)
      .toBe('registry property schema.registry.foo is not supported');
    expect(errorOf(() => parseRegistrySettings('http://r', { 'schema.registry.ssl.truststore.location': '/x.pem' })).message)
      .toBe('schema.registry.ssl.* is set but the registry\'s URL http://r is not https://');
    expect(errorOf(() => parseRegistrySettings(undefined, { 'basic.auth.user.info': 'a:b' })).message)
      .toBe('basic.auth.user.info is set but no registry is: give --schema-registry URL');
    expect(errorOf(() => parseRegistrySettings('http://r', { 'basic.auth.user.info': 'nocolon' })).message)
      .toBe('basic.auth.user.info takes user:password');
    expect(errorOf(() => parseRegistrySettings('https://r', { 'schema.registry.ssl.truststore.location': '/nonexistent.pem' })).code)
      .toBe('DS_BAD_SECURITY_CONFIG');
  });
});

describe('registry report lines', () => {
  const schema = { url: 'http://127.0.0.1:8081/apis/ccompat/v7', subject: 'orders-value', subjectStrategy: 'topic' as const, id: 7, how: 'registered' as const, registerMs: 9.84 };

  it('say the subject and id the values carry, and what a schema change came to', () => {
    expect(formatSchemaRegistryLine(schema)).toBe('schema registry: values in Confluent\'s wire format with schema id 7 of subject orders-value ' +
      '(topic strategy; registered in 9.8 ms before the run) at http://127.0.0.1:8081/apis/ccompat/v7');
    const change = { schemaFile: 'v2.avsc', subject: 'orders-value', plannedAtMs: 30_000 };
    expect(formatSchemaRegistryLine({ ...schema, change: { ...change, id: 9, atMs: 30_004, registerMs: 7.46 } })).toBe('schema registry: values in Confluent\'s wire format ' +
      'with schema id 7 of subject orders-value (topic strategy; registered in 9.8 ms before the run) at http://127.0.0.1:8081/apis/ccompat/v7; ' +
      'schema change: v2.avsc registered under orders-value as id 9 at 30.0 s (planned 30.0 s; registering took 7.5 ms), later values carry id 9');
    expect(formatSchemaRegistryLine({ ...schema, how: 'looked up', change: { ...change, notReached: true } })).toBe('schema registry: values in Confluent\'s wire format ' +
      'with schema id 7 of subject orders-value (topic strategy; looked up in 9.8 ms before the run) at http://127.0.0.1:8081/apis/ccompat/v7; ' +
      'schema change to v2.avsc at 30.0 s: not reached, the run ended before');
  });

  it('count consumers\' decodes together, and say the cost', () => {
    const figures = addDecodeFigures([
      { ...NO_DECODES, decoded: 600, ids: [9, 7], lookups: 2, lookupMs: 3.5, decodeMs: 2.5 },
      { ...NO_DECODES, decoded: 400, unknownId: 2, notFramed: 1, ids: [7], lookups: 2, lookupMs: 1.5, decodeMs: 1.5 },
    ]);
    expect(figures).toEqual({ decoded: 1000, unknownId: 2, undecodable: 0, notFramed: 1, ids: [7, 9], lookups: 4, lookupMs: 5, decodeMs: 4 });
    expect(formatDecodeLine({ ...figures, url: 'http://r/apis/ccompat/v7' })).toBe('schema registry: 1000 values decoded, 2 of an unknown schema id, ' +
      '0 not decodable, 1 not in the wire format (FAILED); schema ids 7, 9; 4 look-ups in 5.0 ms, decoding 4.0 ms (4.00 µs a value), at http://r/apis/ccompat/v7');
  });
});
