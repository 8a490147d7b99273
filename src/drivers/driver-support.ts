import zlib from 'node:zlib';
import type { CodecName } from '../kafka/codecs.js';
import type { ClientSecurity } from '../security/client-security.js';
import { DataStormError } from '../shared/errors.js';
import type { DriverName } from './producer-driver.js';

export interface DriverChoice {
  driver: DriverName;
  /** The codec the run writes (produce, e2e); a consumer of someone else's topic cannot know it beforehand. */
  compression?: CodecName;
  security: ClientSecurity;
  /** Consumers that must ride out --fault (consume, e2e). */
  consumersUnderFaults?: boolean;
}

/**
 * What a driver cannot do, refused before any work, producing or consuming. kafkajs (with DataStorm's codecs and
 * security) does all a run can ask. platformatic: TLS, and SASL with PLAIN or SCRAM (not OAUTHBEARER), zstd only
 * where Node's zlib has it (Node 22.15+), as the client itself checks, and no consumers under --fault.
 */
export function checkDriverSupport({ driver, compression, security, consumersUnderFaults }: DriverChoice): void {
  if (driver !== 'platformatic') return;
  // Its consumer failed on a broker's death with "Cannot read properties of undefined (reading 'host')" (1.35.0).
  if (consumersUnderFaults) {
    throw new DataStormError('DS_UNSUPPORTED_BY_DRIVER', '--driver platformatic consumers do not ride out --fault: they fail when a broker dies', {
      hint: 'use --driver kafkajs with --fault',
    });
  }
  if (security.sasl?.mechanism === 'OAUTHBEARER') {
    throw new DataStormError('DS_UNSUPPORTED_BY_DRIVER', '--driver platformatic authenticates with PLAIN and SCRAM here, not OAUTHBEARER', {
      hint: 'use --driver kafkajs for OAUTHBEARER',
    });
  }
  if (compression === 'zstd' && typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== 'function') {
    throw new DataStormError('DS_UNSUPPORTED_BY_DRIVER', `--driver platformatic compresses and reads zstd with Node's zlib, which Node ${process.version} lacks`, {
      hint: 'use gzip, snappy or lz4, or --driver kafkajs',
    });
  }
}
