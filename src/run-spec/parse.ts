import { InvalidArgumentError } from 'commander';

/** A commander argParser for a whole number within [min, max]. */
export function parseIntegerOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${flag} takes a whole number from ${min} to ${max}, not "${value}"`);
    }
    return parsed;
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KB: 1024, K: 1024, MB: 1024 ** 2, M: 1024 ** 2, GB: 1024 ** 3, G: 1024 ** 3 };

/** Bytes from "16MB", "512KB", "1.5MB" or "1048576" (binary units, as Kafka's tools count MB). */
export function parseSize(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMG]?B?)$/i.exec(value.trim());
  const bytes = match ? Math.round(Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()]) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1) {
    throw new InvalidArgumentError(`${flag} takes a size such as 16MB, 512KB or 1048576, not "${value}"`);
  }
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, '': 1000, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds from "500ms", "30s", "2m" or "30" (seconds). */
export function parseDurationMs(flag: string, value: string, minMs = 1): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(value.trim());
  const ms = match ? Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? '').toLowerCase()]) : NaN;
  if (!Number.isFinite(ms) || ms < minMs) {
    throw new InvalidArgumentError(`${flag} takes a duration such as 30s, 2m or 500ms${minMs === 0 ? ', or 0 for none' : ''}, not "${value}"`);
  }
  return ms;
}

/** A commander argParser for a fraction of `what`, from 0 to 1. */
export function parseFraction(flag: string, what: string) {
  return (value: string): number => {
    const rate = Number(value);
    if (value.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new InvalidArgumentError(`${flag} takes a fraction of ${what}, from 0 to 1 (0.1: one in ten), not "${value}"`);
    }
    return rate;
  };
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${flag} takes one of ${choices.join(', ')}, not "${value}"`);
    }
    return value as T;
  };
}

/** Some of a fixed set of words, joined by commas (`kill-node,pause-node`), none twice. */
export function parseChoiceList<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T[] => {
    const words = value.split(',').map((word) => word.trim()).filter((word) => word !== '');
    const unknown = words.find((word) => !(choices as readonly string[]).includes(word));
    if (words.length === 0 || unknown !== undefined) {
      throw new InvalidArgumentError(`${flag} takes some of ${choices.join(', ')}, joined by commas, not "${unknown ?? value}"`);
    }
    if (new Set(words).size < words.length) throw new InvalidArgumentError(`${flag} names a word twice in "${value}"`);
    return words as T[];
  };
}

/**
 * An instant from an ISO 8601 time ("2026-11-30T20:00:00Z") or a delay from now ("+30s"), as epoch ms; it must
 * lie ahead: a start barrier already passed would start nothing together.
 */
export function parseStartAt(flag: string, value: string, nowMs = Date.now()): number {
  const text = value.trim();
  const delayMs = (delay: string) => { try { return parseDurationMs(flag, delay); } catch { return NaN; } };
  const atMs = text.startsWith('+') ? nowMs + delayMs(text.slice(1)) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(atMs)) throw new InvalidArgumentError(`${flag} takes an ISO time such as 2026-11-30T20:00:00Z or a delay such as +30s, not "${value}"`);
  if (atMs <= nowMs) throw new InvalidArgumentError(`${flag} ${value} has already passed (now is ${new Date(nowMs).toISOString()})`);
  return atMs;
}

/** A commander argParser for an http(s) base URL; no credentials in it: reports print it (they go in a header, which reports mask). */
export function parseBaseUrl(flag: string) {
  return (value: string): string => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InvalidArgumentError(`${flag} takes an http:// or https:// URL, not "${value}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`${flag} takes an http:// or https:// URL, not "${value}"`);
    if (url.search || url.hash) throw new InvalidArgumentError(`${flag} takes a base URL without ?query or #fragment, not "${value}"`);
    if (url.username || url.password) throw new InvalidArgumentError(`${flag} takes a URL without user:password@ (give credentials as an Authorization header)`);
    return url.toString().replace(/\/$/, '');
  };
}

/** A repeatable commander option of HTTP headers, `name: value`; Content-Type is the command's own (`sends` says which). */
export function parseHttpHeader(flag: string, sends: string) {
  return (value: string, previous: unknown): Record<string, string> => {
    const at = value.indexOf(':');
    const name = at > 0 ? value.slice(0, at).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new InvalidArgumentError(`${flag} takes name:value, not "${value}"`);
    if (name.toLowerCase() === 'content-type') throw new InvalidArgumentError(`${flag} cannot set Content-Type: ${sends}`);
    return { ...(previous as Record<string, string> | undefined), [name]: value.slice(at + 1).trim() };
  };
}
