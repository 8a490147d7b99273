/**
 * How long the test sink takes to answer a call: a fixed latency with uniform jitter (±jitter), or a log-normal
 * fitted to a median and a 99th percentile (service latencies are skewed; p99 = p50 · e^(2.326σ)).
 */
export type LatencyModel =
  | { kind: 'fixed'; latencyMs: number; jitterMs: number }
  | { kind: 'log-normal'; p50Ms: number; p99Ms: number };

/** z of the 99th percentile of the standard normal. */
const Z_99 = 2.3263;

export function sampleLatencyMs(model: LatencyModel, random: () => number = Math.random): number {
  if (model.kind === 'fixed') {
    return Math.max(0, model.latencyMs + (random() * 2 - 1) * model.jitterMs);
  }
  const sigma = Math.log(model.p99Ms / model.p50Ms) / Z_99;
  // Box-Muller: a standard normal from two uniforms (1 - u keeps log away from 0).
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return model.p50Ms * Math.exp(sigma * normal);
}

export function describeLatencyModel(model: LatencyModel): string {
  return model.kind === 'fixed'
    ? `${model.latencyMs} ms${model.jitterMs > 0 ? ` ± ${model.jitterMs} ms` : ''}`
    : `log-normal, p50 ${model.p50Ms} ms, p99 ${model.p99Ms} ms`;
}
