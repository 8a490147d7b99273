import type { RunCluster } from '../cluster/bootstrap.js';
import { runProduce } from '../engine/run-produce.js';
import { verdictOf } from '../produce/result.js';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { decodePointRequest, failureOf, type PointAnswer, type PointMessage, type PointRequest } from './point-protocol.js';

/**
 * The process of one measured point, started by src/analysis/run-point.ts with an IPC channel: it takes its run
 * as a message, runs it with runProduce on the cluster it is given, and sends back the interval figures, then
 * the result or the failure (src/analysis/point-protocol.ts). It prints nothing and exits once it has answered.
 */

const abort = new AbortController();

function send(message: PointMessage): Promise<void> {
  // Gone when the analysis has quit (a second Ctrl-C): there is no one to tell.
  if (!process.connected) return Promise.resolve();
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

async function outcomeOf(config: RunConfig, cluster: RunCluster): Promise<PointAnswer> {
  try {
    const result = await runProduce(config, cluster, {
      signal: abort.signal,
      onInterval: (interval) => void send({ type: 'interval', interval }),
    });
    if (result.partial) {
      return { type: 'failed', failure: failureOf(new DataStormError('DS_INTERRUPTED', 'stopped before its end'), result) };
    }
    const verdict = verdictOf(result);
    return verdict ? { type: 'failed', failure: failureOf(verdict, result) } : { type: 'result', result };
  } catch (error) {
    return { type: 'failed', failure: failureOf(error) };
  }
}

/** Sends the one answer and exits: 0 with a result, 130 when stopped, 1 on a failure. */
async function answer(outcome: PointAnswer): Promise<never> {
  await send(outcome);
  process.exit(outcome.type === 'result' ? 0 : outcome.failure.code === 'DS_INTERRUPTED' ? INTERRUPTED_EXIT_CODE : 1);
}

let started = false;

process.on('message', (message: unknown) => {
  let request: PointRequest;
  try {
    request = decodePointRequest(message);
  } catch (error) {
    void answer({ type: 'failed', failure: failureOf(error) });
    return;
  }
  if (request.type === 'stop') abort.abort();
  else if (!started) {
    started = true;
    void outcomeOf(request.config, request.cluster).then(answer);
  }
});

// Ctrl-C in a terminal reaches the whole process group: the first stops the run cleanly (the analysis says so), a second quits.
process.on('SIGINT', () => {
  if (abort.signal.aborted) process.exit(INTERRUPTED_EXIT_CODE);
  abort.abort();
});
// The analysis is gone: stop rather than load the cluster for no one.
process.on('disconnect', () => abort.abort());
