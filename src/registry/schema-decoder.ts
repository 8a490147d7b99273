import { performance } from 'node:perf_hooks';
import avsc from 'avsc';
import { RegistryClient } from './registry-client.js';
import type { RegistrySettings } from './registry-settings.js';
import { FRAME_BYTES, framedSchemaId } from './wire-format.js';

/** What reading values in Confluent's wire format came to: each value decoded, or why not; the registry's cost. */
export interface DecodeFigures {
  decoded: number;
  /** Framed with an id the registry does not know. */
  unknownId: number;
  /** Framed with a known id, but the body does not decode with that schema (or leaves bytes over). */
  undecodable: number;
  /** Not in the wire format: empty, shorter than the framing, or another first byte than 0. */
  notFramed: number;
  /** The ids seen, ascending. */
  ids: number[];
  /** Look-ups of an id in the registry (each id once per consumer), and the time they took. */
  lookups: number;
  lookupMs: number;
  /** Time spent decoding bodies. */
  decodeMs: number;
}

export const NO_DECODES: DecodeFigures = { decoded: 0, unknownId: 0, undecodable: 0, notFramed: 0, ids: [], lookups: 0, lookupMs: 0, decodeMs: 0 };

/** Several consumers' figures as one. */
export function addDecodeFigures(all: DecodeFigures[]): DecodeFigures {
  return all.reduce((sum, f) => ({
    decoded: sum.decoded + f.decoded, unknownId: sum.unknownId + f.unknownId, undecodable: sum.undecodable + f.undecodable,
    notFramed: sum.notFramed + f.notFramed, ids: [...new Set([...sum.ids, ...f.ids])].sort((a, b) => a - b),
    lookups: sum.lookups + f.lookups, lookupMs: sum.lookupMs + f.lookupMs, decodeMs: sum.decodeMs + f.decodeMs,
  }), NO_DECODES);
}

/**
 * A reader of Confluent's wire format, as a consumer's deserializer is one: each id looked up in the registry once
 * (cached, an unknown id too), every body decoded with its schema.
 */
export class SchemaDecoder {
  private readonly client: RegistryClient;
  /** By id: its schema, or null for an id the registry does not know. */
  private readonly schemas = new Map<number, avsc.Type | null>();
  private readonly figures = { ...NO_DECODES, ids: [] as number[] };

  constructor(settings: RegistrySettings) {
    this.client = new RegistryClient(settings);
  }

  /** Looks up the ids of these values not looked up yet. */
  async lookUpIds(values: ReadonlyArray<Uint8Array | null>): Promise<void> {
    const unseen = new Set<number>();
    for (const value of values) {
      const id = value === null ? undefined : framedSchemaId(value);
      if (id !== undefined && !this.schemas.has(id)) unseen.add(id);
    }
    for (const id of unseen) {
      const startMs = performance.now();
      const schema = await this.client.schemaById(id);
      this.figures.lookups += 1;
      this.figures.lookupMs += performance.now() - startMs;
      this.schemas.set(id, schema === undefined ? null : avsc.Type.forSchema(JSON.parse(schema) as avsc.Schema));
    }
  }

  /** Decodes values whose ids were looked up (lookUpIds), counting each as decoded or why not. */
  decode(values: ReadonlyArray<Uint8Array | null>): void {
    const startMs = performance.now();
    const figures = this.figures;
    for (const value of values) {
      const id = value === null ? undefined : framedSchemaId(value);
      if (id === undefined) {
        figures.notFramed += 1;
        continue;
      }
      const schema = this.schemas.get(id);
      if (!schema) {
        figures.unknownId += 1;
        continue;
      }
      if (!figures.ids.includes(id)) figures.ids.push(id);
      try {
        schema.fromBuffer(Buffer.from(value!.buffer, value!.byteOffset + FRAME_BYTES, value!.length - FRAME_BYTES));
        figures.decoded += 1;
      } catch {
        figures.undecodable += 1;
      }
    }
    figures.decodeMs += performance.now() - startMs;
  }

  result(): DecodeFigures {
    return { ...this.figures, ids: [...this.figures.ids].sort((a, b) => a - b) };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
