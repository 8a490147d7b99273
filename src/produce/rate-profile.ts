/**
 * A throughput profile (--throughput-profile '0s:1000,30s:50000,60s:50000,90s:0'): the rate moves in a straight
 * line from each point to the next, and stays at the last point's rate after it. The records due by a time are
 * the area under that line, so a ramp's schedule is exact, not a staircase, and the latency of each record can
 * still be measured from its intended time (coordinated omission).
 */
export interface RatePoint {
  atMs: number;
  recordsPerSec: number;
}

/** A profile's points at `share` of its rates (a worker's part of the run's profile). */
export function scaledPoints(points: RatePoint[], share: number): RatePoint[] {
  return points.map((p) => ({ atMs: p.atMs, recordsPerSec: p.recordsPerSec * share }));
}

export class RateProfile {
  /** Records due by each point (the area under the line up to it). */
  private readonly dueAtPoint: number[];

  constructor(private readonly points: RatePoint[]) {
    this.dueAtPoint = [0];
    for (let i = 1; i < points.length; i++) {
      const [a, b] = [points[i - 1], points[i]];
      this.dueAtPoint.push(this.dueAtPoint[i - 1] + ((a.recordsPerSec + b.recordsPerSec) / 2) * ((b.atMs - a.atMs) / 1000));
    }
  }

  /** The rate the profile asks for `elapsedMs` after the start. */
  rateAt(elapsedMs: number): number {
    const i = this.segmentAt(elapsedMs);
    const a = this.points[i];
    const b = this.points[i + 1];
    if (!b) return a.recordsPerSec;
    return a.recordsPerSec + (b.recordsPerSec - a.recordsPerSec) * ((elapsedMs - a.atMs) / (b.atMs - a.atMs));
  }

  /** Records due (not rounded) `elapsedMs` after the start: the area under the line up to then. */
  dueBy(elapsedMs: number): number {
    const i = this.segmentAt(elapsedMs);
    const a = this.points[i];
    return this.dueAtPoint[i] + ((a.recordsPerSec + this.rateAt(elapsedMs)) / 2) * ((elapsedMs - a.atMs) / 1000);
  }

  /** When record `index` is due, in ms after the start (Infinity if the profile ends at rate 0 before it). */
  dueAtMs(index: number): number {
    let i = 0;
    while (i + 1 < this.points.length && this.dueAtPoint[i + 1] <= index) i++;
    const a = this.points[i];
    const b = this.points[i + 1];
    const left = index - this.dueAtPoint[i];
    const rate = a.recordsPerSec / 1000; // records per ms
    if (!b) return rate > 0 ? a.atMs + left / rate : Infinity;
    // left = rate·t + slope·t²/2 within the segment: the positive root.
    const slope = (b.recordsPerSec - a.recordsPerSec) / 1000 / (b.atMs - a.atMs);
    if (Math.abs(slope) < 1e-12) return a.atMs + left / rate;
    return a.atMs + (-rate + Math.sqrt(Math.max(0, rate * rate + 2 * slope * left))) / slope;
  }

  private segmentAt(elapsedMs: number): number {
    let i = 0;
    while (i + 1 < this.points.length && this.points[i + 1].atMs <= elapsedMs) i++;
    return i;
  }
}
