import type { RecordHeader } from '../kafka/record-batch.js';
import type { KeyMode, PayloadSource } from '../produce/run-config.js';
import type { ClientSecurity } from '../security/client-security.js';
import type { HttpFormat, ValueEncoding } from './formats.js';

/** `datastorm http-produce`: records posted to an HTTP proxy in front of Kafka, reconciled on the broker. */
export interface HttpProduceSpec {
  /** The proxy's base URL (no trailing /); rest-v3's holds /v3/clusters/{cluster_id}. */
  url: string;
  format: HttpFormat;
  valueEncoding: ValueEncoding;
  recordsPerRequest: number;
  /** Keep-alive connections, all workers together: each is one request in flight at a time. */
  connections: number;
  timeoutMs: number;
  /** HTTP headers of every request (--http-header). */
  httpHeaders: Record<string, string>;
  /** Kafka record headers every record carries (produce's --header, --headers, --header-size). */
  recordHeaders: RecordHeader[];
  topic: string;
  /** Exactly one of numRecords and durationMs is set. */
  numRecords?: number;
  durationMs?: number;
  /** Records per second, all workers together; -1: no limit. */
  throughputRps: number;
  workers: number;
  partitions: number;
  replication: number;
  keys: KeyMode;
  /** Keys of round-robin, random and zipf: key-0 .. key-(keyRange - 1). */
  keyRange: number;
  zipfExponent: number;
  payload: PayloadSource;
  reportingIntervalMs: number;
  /** The cluster behind the proxy: its topic is created if missing and its offsets are read before and after. */
  bootstrap: string[];
  security: ClientSecurity;
}
