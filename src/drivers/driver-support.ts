import zlib from 'node:zlib';
import type { CodecName } from '../run-spec/run-config.js';
import type { ClientSecurity } from '../security/client-security.js';
import { DataStormError } from '../shared/errors.js';
import type { DriverName } from './producer-driver.js';

export interface DriverChoice {
  driver: DriverName;
  /** The codec the run writes (produce, e2e); a consumer of someone else's topic cannot know it beforehand. */
  compression?: CodecName;
  security: ClientSecurity;
}

/**
 * What a driver cannot do, refused before any work, producing or consuming. kafkajs (with DataStorm's codecs and
 * security) does all a run can ask. platformatic: TLS, and SASL with PLAIN or SCRAM (not OAUTHBEARER), and zstd
 * only where Node's zlib has it (Node 22.15+), as the client itself checks.
 */
export function checkDriverSupport({ driver, compression, security }: DriverChoice): void {
  if (driver !== 'platformatic') return;
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
