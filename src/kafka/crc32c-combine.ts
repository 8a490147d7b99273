/**
 * The CRC-32C of two byte runs one after the other, from the CRC of each (the GF(2) method of zlib's
 * crc32_combine): a pre-encoded batch's CRC covers its header fields, which change every send, then its records,
 * which do not. With the records' CRC kept, a send computes the CRC of 40 bytes, not of the whole batch.
 */
const CRC32C_REFLECTED_POLYNOMIAL = 0x82f63b78;

/** An operator on the 32-bit CRC register as its 32 columns: the image of each bit. */
type Operator = Uint32Array;

function apply(operator: Operator, register: number): number {
  let result = 0;
  for (let bit = 0; register !== 0; bit++, register >>>= 1) if (register & 1) result ^= operator[bit];
  return result >>> 0;
}

const square = (operator: Operator): Operator => operator.map((column) => apply(operator, column));

/** ZERO_BYTES[k]: the register run over 2^k zero bytes. */
const ZERO_BYTES: Operator[] = (() => {
  let power: Operator = new Uint32Array(32); // one zero bit: shift right, folding the polynomial in when a 1 falls out
  power[0] = CRC32C_REFLECTED_POLYNOMIAL;
  for (let bit = 1; bit < 32; bit++) power[bit] = (1 << (bit - 1)) >>> 0;
  for (let i = 0; i < 3; i++) power = square(power); // eight zero bits: one byte
  const powers = [power];
  for (let k = 1; k < 53; k++) powers.push(square(powers[k - 1]));
  return powers;
})();

/** CRC-32C of A then B, given crc32c(A), crc32c(B) and B's length in bytes. */
export function combineCrc32c(crcA: number, crcB: number, lengthB: number): number {
  let register = crcA >>> 0;
  for (let k = 0, n = lengthB; n > 0; k++, n = Math.floor(n / 2)) if (n % 2 === 1) register = apply(ZERO_BYTES[k], register);
  return (register ^ crcB) >>> 0;
}
