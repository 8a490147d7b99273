import { connect } from 'node:net';
import { DataStormError } from './errors.js';

/** How long a service is given to take a connection. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * An HTTP service that takes no connection (http-produce's proxy, drain's sink) is the user's error, said in one
 * line before any work, as unreachable brokers are; `hint` names what to start or check.
 */
export async function checkReachable(url: string, hint: string): Promise<void> {
  const { hostname, port, protocol } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '');
  const failure = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host, port: Number(port || (protocol === 'https:' ? 443 : 80)), timeout: CONNECT_TIMEOUT_MS });
    socket.once('connect', () => { socket.destroy(); resolve(undefined); });
    socket.once('timeout', () => { socket.destroy(); resolve(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`); });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
  if (failure !== undefined) throw new DataStormError('DS_HTTP_UNREACHABLE', `nothing answers at ${url} (${failure})`, { hint });
}
