import { Agent, request, type Dispatcher } from 'undici';
import { DataStormError } from '../shared/errors.js';
import { tlsConnectionOptions } from '../security/tls-options.js';
import type { RegistrySettings } from './registry-settings.js';

/** Confluent's API (Apicurio serves it under /apis/ccompat/v7): its content type, for requests and answers. */
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const TIMEOUT_MS = 10_000;

/** A registered schema: its id (what the wire format carries) and its version under the subject. */
export interface RegisteredSchema {
  subject: string;
  id: number;
  version?: number;
}

/** Confluent's compatibility levels (Apicurio's ccompat API takes them too). */
export type CompatibilityLevel = 'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

/**
 * A client of Confluent's schema registry API, over one keep-alive agent (TLS and basic authentication as the
 * settings say). Every failure is one line: nothing answers (DS_HTTP_UNREACHABLE), or what the registry refused
 * and its own message (DS_REGISTRY_FAILED); an incompatible schema is DS_SCHEMA_INCOMPATIBLE.
 */
export class RegistryClient {
  private readonly agent: Dispatcher;
  private readonly headers: Record<string, string>;

  constructor(readonly settings: RegistrySettings) {
    this.agent = new Agent({
      headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, connect: { timeout: TIMEOUT_MS, ...(settings.tls ? tlsConnectionOptions(settings.tls) : {}) },
    });
    this.headers = {
      accept: CONTENT_TYPE, 'content-type': CONTENT_TYPE,
      ...(settings.userInfo !== undefined ? { authorization: `Basic ${Buffer.from(settings.userInfo).toString('base64')}` } : {}),
    };
  }

  /** Registers the schema under the subject (the same schema again: its id, nothing new) and returns its id. */
  async register(subject: string, schema: string): Promise<RegisteredSchema> {
    const { id } = await this.call<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, `registering a schema under ${subject}`, { schema, schemaType: 'AVRO' });
    return { subject, id };
  }

  /** The id and version of a schema already registered under the subject (auto.register.schemas=false's way). */
  async lookUp(subject: string, schema: string): Promise<RegisteredSchema> {
    const found = await this.call<{ id: number; version: number }>('POST', `/subjects/${encodeURIComponent(subject)}`, `looking up the schema under ${subject}`, { schema, schemaType: 'AVRO' });
    return { subject, id: found.id, version: found.version };
  }

  /** Whether the schema may follow the subject's latest version under its compatibility level (a new subject: yes). */
  async isCompatible(subject: string, schema: string): Promise<boolean> {
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`;
    const answer = await this.call<{ is_compatible: boolean } | undefined>('POST', path, `checking compatibility under ${subject}`, { schema, schemaType: 'AVRO' }, [404]);
    return answer === undefined || answer.is_compatible;
  }

  /** The schema of an id (what a reader of the wire format looks up); undefined for an id the registry does not know. */
  async schemaById(id: number): Promise<string | undefined> {
    const answer = await this.call<{ schema: string } | undefined>('GET', `/schemas/ids/${id}`, `looking up schema id ${id}`, undefined, [404]);
    return answer?.schema;
  }

  /** Sets the compatibility level of the registry, or of one subject. */
  async setCompatibility(level: CompatibilityLevel, subject?: string): Promise<void> {
    await this.call('PUT', subject === undefined ? '/config' : `/config/${encodeURIComponent(subject)}`, `setting compatibility ${level}`, { compatibility: level });
  }

  /** The registry's subjects (also how `registry status` sees it answer). */
  subjects(): Promise<string[]> {
    return this.call<string[]>('GET', '/subjects', 'listing subjects');
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** One request; `absent` lists statuses read as "no such thing" (undefined), others than 2xx fail in one line. */
  private async call<T>(method: 'GET' | 'POST' | 'PUT', path: string, doing: string, body?: unknown, absent: number[] = []): Promise<T> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${this.settings.url}${path}`, {
        method, headers: this.headers, dispatcher: this.agent, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new DataStormError('DS_HTTP_UNREACHABLE', `the schema registry at ${this.settings.url} does not answer (${code}) ${doing}`, {
        hint: 'start one with `datastorm registry up`, or check --schema-registry',
      });
    }
    const text = await response.body.text();
    if (absent.includes(response.statusCode)) return undefined as T;
    if (response.statusCode >= 200 && response.statusCode < 300) return (text === '' ? undefined : JSON.parse(text)) as T;
    throw refusal(response.statusCode, text, doing, this.settings.url);
  }
}

/** The registry's answer to a refused request, in one line: its status, its error code and message. */
function refusal(status: number, text: string, doing: string, url: string): DataStormError {
  let message = text.slice(0, 200);
  let errorCode: number | undefined;
  try {
    const parsed = JSON.parse(text) as { message?: string; error_code?: number };
    message = (parsed.message ?? message).split('\n')[0];
    errorCode = parsed.error_code;
  } catch {
    // Not JSON: its first characters as they are.
  }
  if (status === 409) {
    return new DataStormError('DS_SCHEMA_INCOMPATIBLE', `the schema registry refused ${doing.replace(/^registering/, 'to register')}: incompatible with the subject's latest version (${message})`, {
      hint: 'change the schema compatibly (e.g. a new field with a default), or the subject\'s compatibility level',
    });
  }
  const hints: Record<number, string> = {
    401: 'give basic.auth.user.info=user:password', 403: 'the registry user may not do this',
    404: 'register the schema first, or leave out --no-auto-register',
  };
  return new DataStormError('DS_REGISTRY_FAILED', `the schema registry at ${url} answered ${status}${errorCode !== undefined && errorCode !== status ? ` (error ${errorCode})` : ''} ${doing}: ${message}`,
    hints[status] ? { hint: hints[status] } : {});
}
