import { CODEC_NAMES, type CodecName } from '../kafka/codecs.js';
import type { ClientSecurity } from '../security/client-security.js';
import { DataStormError } from '../shared/errors.js';
import { driverOf, driverThatCan, listed, type DriverName } from './driver-registry.js';

export interface DriverChoice {
  driver: DriverName;
  /** The codec the run writes (produce, e2e); a consumer of someone else's topic cannot know it beforehand. */
  compression?: CodecName;
  security: ClientSecurity;
  /** Consumers that must ride out --fault (consume, e2e). */
  consumersUnderFaults?: boolean;
}

/**
 * What a driver cannot do (src/drivers/driver-registry.ts), refused before any work, producing or consuming: its
 * consumers under --fault, a SASL mechanism, a codec this Node does not give it. Each hint names the first driver
 * that can.
 */
export function checkDriverSupport({ driver: name, compression, security, consumersUnderFaults }: DriverChoice): void {
  const driver = driverOf(name);
  if (consumersUnderFaults && !driver.consumersRideOutFaults) {
    throw new DataStormError('DS_UNSUPPORTED_BY_DRIVER', `--driver ${name} consumers do not ride out --fault: they fail when a broker dies`, {
      hint: `use --driver ${driverThatCan((d) => d.consumersRideOutFaults).name} with --fault`,
    });
  }
  const mechanism = security.sasl?.mechanism;
  if (mechanism && !driver.saslMechanisms.includes(mechanism)) {
    // SCRAM-SHA-256 and SCRAM-SHA-512 are said as one: SCRAM.
    const families = [...new Set(driver.saslMechanisms.map((m) => m.replace(/-SHA-\d+$/, '')))];
    throw new DataStormError('DS_UNSUPPORTED_BY_DRIVER', `--driver ${name} authenticates with ${listed(families, 'and')} here, not ${mechanism}`, {
      hint: `use --driver ${driverThatCan((d) => d.saslMechanisms.includes(mechanism)).name} for ${mechanism}`,
    });
  }
  if (compression === undefined) return;
  const lacking = driver.lacksCodec(compression);
  if (lacking) {
    const others = CODEC_NAMES.filter((codec) => codec !== 'none' && driver.lacksCodec(codec) === undefined);
    throw new DataStormError('DS_UNSUPPORTED_BY_DRIVER', `--driver ${name} ${lacking}`, {
      hint: `use ${listed(others, 'or')}, or --driver ${driverThatCan((d) => d.lacksCodec(compression) === undefined).name}`,
    });
  }
}
