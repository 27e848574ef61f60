/**
 * Counter-based randomness for the sim market.
 *
 * Every random number is a pure function of (stream key, counter, lane): nothing carries
 * state from one draw to the next, so the value at a given step never depends on which
 * calls came before it (replay and record rely on that). No Math.random anywhere.
 */

/** 32-bit finaliser from MurmurHash3: full avalanche, cheap. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units, then finalised: a stable 32-bit id for a name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Key of an independent stream, e.g. streamKey(seed, 'price:BTC'). */
export function streamKey(seed: number, name: string): number {
  return fmix32((seed >>> 0) ^ Math.imul(hashString(name), 0x9e3779b1));
}

/** 32 random bits for (key, counter, lane). Counters may exceed 2^32: the high part is mixed in. */
export function bits(key: number, counter: number, lane = 0): number {
  const lo = counter >>> 0;
  const hi = counter > 0xffffffff ? Math.floor(counter / 4294967296) >>> 0 : 0;
  const h = fmix32(key ^ Math.imul(lo, 0xcc9e2d51));
  return fmix32((h + Math.imul(hi, 0x1b873593)) ^ Math.imul(lane + 0x7f4a7c15, 0x27d4eb2f));
}

/** Uniform in the open interval (0, 1). */
export function uniform(key: number, counter: number, lane = 0): number {
  return (bits(key, counter, lane) + 0.5) / 4294967296;
}

/** Φ⁻¹ (Acklam's rational approximation, relative error < 1.2e-9): only used to build the table. */
function inverseNormalCdf(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const tail = (q: number): number =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

const CELLS = 4096;
/**
 * Quantiles of N(0,1) at i/4096, ends at ±Φ⁻¹(1/32768), rescaled so the piecewise-linear
 * distribution below has unit variance exactly. Tails stop near ±3.8σ; the model adds
 * jumps where it wants fat tails.
 */
const GAUSS: Float64Array = (() => {
  const t = new Float64Array(CELLS + 1);
  for (let i = 1; i < CELLS; i++) t[i] = inverseNormalCdf(i / CELLS);
  t[0] = inverseNormalCdf(1 / (CELLS * 8));
  t[CELLS] = -(t[0] as number);
  let v = 0;
  for (let i = 0; i < CELLS; i++) {
    const a = t[i] as number;
    const b = t[i + 1] as number;
    v += (a * a + a * b + b * b) / 3;
  }
  const s = 1 / Math.sqrt(v / CELLS);
  for (let i = 0; i <= CELLS; i++) t[i] = (t[i] as number) * s;
  return t;
})();

/** A standard normal from one hash: inverse-CDF table with linear interpolation (fast, mean 0, variance 1). */
export function gauss(key: number, counter: number, lane = 0): number {
  const u = bits(key, counter, lane);
  const i = u >>> 20;
  const f = (u & 0xfffff) / 1048576;
  const a = GAUSS[i] as number;
  return a + f * ((GAUSS[i + 1] as number) - a);
}

/** Integer in [0, n). */
export function pick(key: number, counter: number, n: number, lane = 0): number {
  return Math.floor(uniform(key, counter, lane) * n);
}
