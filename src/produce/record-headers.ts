import type { RecordHeader } from '../kafka/record-batch.js';

/**
 * The headers a run's records carry (--header k=v, --headers N --header-size B): the same on every record, so
 * their bytes are written once into a headers block (encodeHeaders) and copied per record like the values.
 */
export function runHeaders(fixed: RecordHeader[], count: number, sizeBytes: number): RecordHeader[] {
  return [...fixed, ...Array.from({ length: count }, (_, h) => ({ key: `header-${h}`, value: fillerText(h, sizeBytes) }))];
}

/** `bytes` lowercase letters, different per header, so that compression does not erase them entirely. */
function fillerText(seed: number, bytes: number): string {
  return Array.from({ length: bytes }, (_, i) => String.fromCharCode(97 + ((i * 7 + seed * 3 + (i >> 3)) % 26))).join('');
}

/** 'trace=abc' as a header; the value may hold '=' (only the first one splits). */
export function parseHeader(text: string): RecordHeader | undefined {
  const at = text.indexOf('=');
  return at > 0 ? { key: text.slice(0, at), value: text.slice(at + 1) } : undefined;
}
