/**
 * Confluent's wire format for a value whose schema is in a registry: byte 0 is 0 (the magic byte), bytes 1-4 the
 * schema's id (a big-endian int32), then the body (Avro's binary encoding). Apicurio's serdes read it too
 * (apicurio.registry.headers.enabled=false with the Confluent id handler).
 */
export const MAGIC_BYTE = 0;
export const FRAME_BYTES = 5;

/** A value in the wire format: the framing, then the body. */
export function frameValue(schemaId: number, body: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(FRAME_BYTES + body.length);
  framed[0] = MAGIC_BYTE;
  framed.writeInt32BE(schemaId, 1);
  framed.set(body, FRAME_BYTES);
  return framed;
}

/** The schema id a value names, or undefined when it is not in the wire format (too short, or another first byte). */
export function framedSchemaId(value: Uint8Array): number | undefined {
  if (value.length < FRAME_BYTES || value[0] !== MAGIC_BYTE) return undefined;
  return ((value[1] << 24) | (value[2] << 16) | (value[3] << 8) | value[4]) >>> 0;
}
