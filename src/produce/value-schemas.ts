import { performance } from 'node:perf_hooks';
import { DataStormError } from '../shared/errors.js';
import { RegistryClient } from '../registry/registry-client.js';
import { subjectOf, type SubjectStrategy } from '../registry/registry-settings.js';
import { FRAME_BYTES, frameValue } from '../registry/wire-format.js';
import { epochMs } from '../shared/clock.js';
import { readSchema } from './payloads.js';
import type { RunConfig, ValueRegistry } from './run-config.js';
import type { SharedValues } from './shared-values.js';

/** What a --schema-registry run's values carry: the subject and id their schema has in the registry. */
export interface RegisteredValueSchema {
  /** The registry's URL (never credentials). */
  url: string;
  subject: string;
  subjectStrategy: SubjectStrategy;
  /** The id every value's framing carries (until a schema change). */
  id: number;
  /** Registered by the run (auto-register: the same schema again is the same id), or only looked up (--no-auto-register). */
  how: 'registered' | 'looked up';
  /** How long registering or looking it up took, before the run. */
  registerMs: number;
  change?: SchemaChange;
}

/** --schema-change: the second schema, checked compatible before the run, then registered and switched to at its time. */
export interface SchemaChange {
  schemaFile: string;
  subject: string;
  plannedAtMs: number;
  /** Once it happened: the second schema's id, when (since the run's start) the values switched, and the registration's time. */
  id?: number;
  atMs?: number;
  registerMs?: number;
  /** The registry refused it at its time (the run then fails), with its message. */
  failure?: string;
  /** The run ended before its time. */
  notReached?: true;
}

/** The run's schemas as read before the run: a bad file is DS_BAD_SCHEMA before the registry is asked anything. */
function schemasOf(config: RunConfig, registry: ValueRegistry) {
  const first = readSchema(config.payload.kind === 'avro' ? config.payload.schemaFile : undefined);
  const change = registry.schemaChange;
  const second = change && readSchema(change.schemaFile);
  return {
    first: { ...first, subject: subjectOf(registry.subjectStrategy, config.topic, first.type.name) },
    second: second && change && { ...second, ...change, subject: subjectOf(registry.subjectStrategy, config.topic, second.type.name) },
  };
}

/**
 * Registers the run's schema under its subject (or only looks it up), and checks a --schema-change's schema against
 * the subject's latest version: an incompatible one is refused here, before the run, in one line.
 */
export async function registerValueSchema(config: RunConfig): Promise<RegisteredValueSchema> {
  const registry = config.schemaRegistry!;
  const { first, second } = schemasOf(config, registry);
  if (second && !registry.autoRegister) {
    throw new DataStormError('DS_BAD_OPTION', '--schema-change registers its schema mid-run; --no-auto-register registers nothing', {
      hint: 'leave out --no-auto-register',
    });
  }
  const client = new RegistryClient(registry.settings);
  try {
    const startMs = performance.now();
    const found = registry.autoRegister ? await client.register(first.subject, first.text) : await client.lookUp(first.subject, first.text);
    const registerMs = performance.now() - startMs;
    if (second && !await client.isCompatible(second.subject, second.text)) {
      throw new DataStormError('DS_SCHEMA_INCOMPATIBLE', `--schema-change ${second.schemaFile} is not compatible with the latest version of subject ${second.subject}`, {
        hint: 'change the schema compatibly (under BACKWARD, a new field needs a default), or the subject\'s compatibility level',
      });
    }
    return {
      url: registry.settings.url, subject: first.subject, subjectStrategy: registry.subjectStrategy, id: found.id,
      how: registry.autoRegister ? 'registered' : 'looked up', registerMs,
      ...(second ? { change: { schemaFile: second.schemaFile, subject: second.subject, plannedAtMs: second.atMs } } : {}),
    };
  } finally {
    await client.close();
  }
}

/** The values framed with the schema's id; with a change, the second schema's values after them, their id written when it is known. */
export function framedValues(first: Buffer[], second: Buffer[] | undefined, schema: RegisteredValueSchema): { values: Buffer[]; second?: SharedValues['second'] } {
  const values = first.map((body) => frameValue(schema.id, body));
  if (!second) return { values };
  return { values: [...values, ...second.map((body) => frameValue(0, body))], second: { from: values.length, switched: new SharedArrayBuffer(4) } };
}

/**
 * The schema change of a running run: at its time, registers the second schema, writes its id into the second
 * schema's values (shared with every worker) and sets the flag the workers' values switch on. finish() cancels it
 * if its time has not come and returns what happened.
 */
export class SchemaSwitch {
  private timer?: NodeJS.Timeout;
  private happening?: Promise<void>;
  private readonly change: SchemaChange;

  constructor(private readonly registry: ValueRegistry, schema: RegisteredValueSchema, private readonly values: SharedValues, private readonly text: string) {
    this.change = { ...schema.change! };
  }

  static of(config: RunConfig, schema: RegisteredValueSchema | undefined, values: SharedValues): SchemaSwitch | undefined {
    if (!schema?.change || !config.schemaRegistry) return undefined;
    return new SchemaSwitch(config.schemaRegistry, schema, values, readSchema(schema.change.schemaFile).text);
  }

  /** Plans the change for its time after the run's start (epoch ms). */
  start(startAtMs: number): void {
    this.timer = setTimeout(() => { this.happening = this.switchNow(startAtMs); }, Math.max(0, startAtMs + this.change.plannedAtMs - epochMs()));
  }

  private async switchNow(startAtMs: number): Promise<void> {
    const client = new RegistryClient(this.registry.settings);
    const startMs = performance.now();
    try {
      const { id } = await client.register(this.change.subject, this.text);
      const { bytes, offsets, second } = this.values;
      const view = Buffer.from(bytes);
      for (let i = second!.from; i < offsets.length - 1; i++) view.writeInt32BE(id, offsets[i] + FRAME_BYTES - 4);
      Atomics.store(new Int32Array(second!.switched), 0, 1);
      Object.assign(this.change, { id, atMs: epochMs() - startAtMs, registerMs: performance.now() - startMs });
    } catch (error) {
      this.change.failure = error instanceof DataStormError ? error.message : String(error);
    } finally {
      await client.close();
    }
  }

  /** What happened; a change whose time had not come when the run ended is cancelled and says so. */
  async finish(): Promise<SchemaChange> {
    clearTimeout(this.timer);
    await this.happening;
    if (this.change.id === undefined && this.change.failure === undefined) this.change.notReached = true;
    return this.change;
  }
}
