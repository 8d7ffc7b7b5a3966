/**
 * Vivaldi network coordinates as Serf computes them (serf/coordinate): an 8-dimensional
 * Euclidean position plus a height, an error estimate and an adjustment term, updated from the
 * round-trip times of direct pings, and the ping-ack payload that carries them
 * (`[0x01] + msgpack Coordinate`).
 */
import { DecodeError } from '../errors.ts';
import { type CoordinateMessage, coordinateCodec, decodeBody, encodeWithType } from './messages.ts';

/** Serf's PingVersion: the first byte of a coordinate ack payload. */
export const PING_VERSION = 1;

export interface CoordinateConfig {
  readonly dimensionality: number;
  readonly vivaldiErrorMax: number;
  readonly vivaldiCE: number;
  readonly vivaldiCC: number;
  readonly adjustmentWindowSize: number;
  readonly heightMin: number;
  readonly latencyFilterSize: number;
  readonly gravityRho: number;
}

/** Serf's coordinate.DefaultConfig. */
export const DEFAULT_COORDINATE_CONFIG: CoordinateConfig = {
  dimensionality: 8,
  vivaldiErrorMax: 1.5,
  vivaldiCE: 0.25,
  vivaldiCC: 0.25,
  adjustmentWindowSize: 20,
  heightMin: 10.0e-6,
  latencyFilterSize: 3,
  gravityRho: 150.0,
};

export interface Coordinate {
  readonly vec: readonly number[];
  readonly error: number;
  readonly adjustment: number;
  readonly height: number;
}

/** Below this, a distance or RTT counts as zero. */
const ZERO = 1.0e-6;
/** RTTs outside [0, 10 s] are rejected. */
const MAX_RTT_SECONDS = 10;
/** Peers whose latency samples are remembered at most (bounds memory). */
const MAX_TRACKED_PEERS = 65536;

export function newCoordinate(c: CoordinateConfig = DEFAULT_COORDINATE_CONFIG): Coordinate {
  return {
    vec: new Array<number>(c.dimensionality).fill(0),
    error: c.vivaldiErrorMax,
    adjustment: 0,
    height: c.heightMin,
  };
}

function finite(x: number): boolean {
  return Number.isFinite(x);
}

export function isValidCoordinate(c: Coordinate): boolean {
  return c.vec.every(finite) && finite(c.error) && finite(c.adjustment) && finite(c.height);
}

function magnitude(v: readonly number[]): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}

/** Euclidean distance plus both heights, in seconds, without adjustments. */
function rawDistance(a: Coordinate, b: Coordinate): number {
  const d = a.vec.map((x, i) => x - b.vec[i]);
  return magnitude(d) + a.height + b.height;
}

/** Estimated RTT between two coordinates in seconds (adjustments applied when that stays positive). */
export function distanceSeconds(a: Coordinate, b: Coordinate): number {
  if (a.vec.length !== b.vec.length) throw new RangeError('coordinate dimensionality does not match');
  const dist = rawDistance(a, b);
  const adjusted = dist + a.adjustment + b.adjustment;
  return adjusted > 0 ? adjusted : dist;
}

/** The unit vector from b towards a and the distance between them (random direction if equal). */
function unitVectorAt(a: readonly number[], b: readonly number[], random: () => number): [number[], number] {
  const d = a.map((x, i) => x - b[i]);
  const mag = magnitude(d);
  if (mag > ZERO) return [d.map((x) => x / mag), mag];
  const r = d.map(() => random() - 0.5);
  const rmag = magnitude(r);
  if (rmag > ZERO) return [r.map((x) => x / rmag), 0];
  const unit = new Array<number>(d.length).fill(0);
  unit[0] = 1;
  return [unit, 0];
}

function applyForce(
  c: CoordinateConfig,
  self: Coordinate,
  force: number,
  other: Coordinate,
  random: () => number,
): Coordinate {
  const [unit, mag] = unitVectorAt(self.vec, other.vec, random);
  const vec = self.vec.map((x, i) => x + unit[i] * force);
  let height = self.height;
  if (mag > ZERO) height = Math.max((self.height + other.height) * (force / mag) + self.height, c.heightMin);
  return { vec, error: self.error, adjustment: self.adjustment, height };
}

/** One node's Vivaldi state: its coordinate, latency filters per peer and the adjustment window. */
export class CoordinateClient {
  private coord: Coordinate;
  private readonly origin: Coordinate;
  private readonly config: CoordinateConfig;
  private readonly adjustmentSamples: number[];
  private adjustmentIndex = 0;
  private readonly latencySamples = new Map<string, number[]>();
  private readonly random: () => number;
  /** How many times the coordinate became invalid and was reset. */
  resets = 0;

  constructor(config: CoordinateConfig = DEFAULT_COORDINATE_CONFIG, random: () => number = Math.random) {
    if (!(config.dimensionality > 0)) throw new RangeError('dimensionality must be >0');
    this.config = config;
    this.random = random;
    this.coord = newCoordinate(config);
    this.origin = newCoordinate(config);
    this.adjustmentSamples = new Array<number>(config.adjustmentWindowSize).fill(0);
  }

  get coordinate(): Coordinate {
    return { ...this.coord, vec: [...this.coord.vec] };
  }

  /** Restores a coordinate (e.g. from a snapshot). */
  setCoordinate(c: Coordinate): void {
    this.check(c);
    this.coord = { ...c, vec: [...c.vec] };
  }

  forgetNode(node: string): void {
    this.latencySamples.delete(node);
  }

  private check(c: Coordinate): void {
    if (c.vec.length !== this.coord.vec.length) throw new RangeError("dimensions aren't compatible");
    if (!isValidCoordinate(c)) throw new RangeError('coordinate is invalid');
  }

  /** Median of the last few RTT samples from `node` (seconds). */
  private latencyFilter(node: string, rtt: number): number {
    let samples = this.latencySamples.get(node);
    if (samples === undefined) {
      if (this.latencySamples.size >= MAX_TRACKED_PEERS) {
        const first = this.latencySamples.keys().next();
        if (!first.done) this.latencySamples.delete(first.value);
      }
      samples = [];
      this.latencySamples.set(node, samples);
    }
    samples.push(rtt);
    if (samples.length > this.config.latencyFilterSize) samples.shift();
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  private updateVivaldi(other: Coordinate, rttSeconds: number): void {
    const c = this.config;
    const dist = distanceSeconds(this.coord, other);
    const rtt = Math.max(rttSeconds, ZERO);
    const wrongness = Math.abs(dist - rtt) / rtt;
    const totalError = Math.max(this.coord.error + other.error, ZERO);
    const weight = this.coord.error / totalError;
    const error = Math.min(
      c.vivaldiCE * weight * wrongness + this.coord.error * (1 - c.vivaldiCE * weight),
      c.vivaldiErrorMax,
    );
    const force = c.vivaldiCC * weight * (rtt - dist);
    this.coord = applyForce(c, { ...this.coord, error }, force, other, this.random);
  }

  private updateAdjustment(other: Coordinate, rttSeconds: number): void {
    const n = this.config.adjustmentWindowSize;
    if (n === 0) return;
    this.adjustmentSamples[this.adjustmentIndex] = rttSeconds - rawDistance(this.coord, other);
    this.adjustmentIndex = (this.adjustmentIndex + 1) % n;
    let sum = 0;
    for (const s of this.adjustmentSamples) sum += s;
    this.coord = { ...this.coord, adjustment: sum / (2 * n) };
  }

  private updateGravity(): void {
    const dist = distanceSeconds(this.origin, this.coord);
    const force = -1 * Math.pow(dist / this.config.gravityRho, 2);
    this.coord = applyForce(this.config, this.coord, force, this.origin, this.random);
  }

  /** Folds in one observation of `node` at `other` after `rttMs`; throws RangeError when rejected. */
  update(node: string, other: Coordinate, rttMs: number): Coordinate {
    this.check(other);
    const rttSeconds = rttMs / 1000;
    if (!(rttSeconds >= 0 && rttSeconds <= MAX_RTT_SECONDS)) {
      throw new RangeError(`round trip time not in valid range: ${rttMs} ms`);
    }
    const filtered = this.latencyFilter(node, rttSeconds);
    this.updateVivaldi(other, filtered);
    this.updateAdjustment(other, filtered);
    this.updateGravity();
    if (!isValidCoordinate(this.coord)) {
      this.resets++;
      this.coord = newCoordinate(this.config);
    }
    return this.coordinate;
  }

  /** Estimated RTT to `other` in milliseconds. */
  distanceToMs(other: Coordinate): number {
    return distanceSeconds(this.coord, other) * 1000;
  }
}

/** The ping-ack payload: `[PingVersion] + msgpack Coordinate`. */
export function encodePingPayload(c: Coordinate): Uint8Array {
  const msg: CoordinateMessage = { vec: [...c.vec], error: c.error, adjustment: c.adjustment, height: c.height };
  return encodeWithType(PING_VERSION, coordinateCodec, msg);
}

/**
 * Reads a ping-ack payload: undefined for an empty one (a peer without coordinates); throws
 * DecodeError for an unknown version or a malformed coordinate.
 */
export function decodePingPayload(payload: Uint8Array): Coordinate | undefined {
  if (payload.length === 0) return undefined;
  if (payload[0] !== PING_VERSION) throw new DecodeError('unsupported', `Unsupported ping version: ${payload[0]}`);
  const m = decodeBody(coordinateCodec, payload);
  return { vec: m.vec ?? [], error: m.error, adjustment: m.adjustment, height: m.height };
}
