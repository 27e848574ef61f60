import { InputError } from '../domain/errors.js';
import { parseSimSpec } from '../venues/sim/spec.js';

/** Where market data comes from: `live`, `sim[:SEED]` or `replay:FILE`. */
export type MarketSpec =
  | { readonly kind: 'live' }
  | { readonly kind: 'sim'; readonly seed: number }
  | { readonly kind: 'replay'; readonly file: string };

export function parseMarketSpec(text: string, flag = '--market'): MarketSpec {
  if (text === 'live') return { kind: 'live' };
  if (text === 'sim' || text.startsWith('sim:')) {
    try {
      return { kind: 'sim', seed: parseSimSpec(text).seed };
    } catch (e) {
      throw new InputError(`${flag}: ${(e as Error).message}`);
    }
  }
  if (text.startsWith('replay:') && text.length > 'replay:'.length) return { kind: 'replay', file: text.slice('replay:'.length) };
  throw new InputError(`${flag}: found "${text}"; expected live, sim, sim:SEED (a whole number) or replay:FILE`);
}

export function describeMarketSpec(spec: MarketSpec): string {
  return spec.kind === 'live' ? 'live' : spec.kind === 'sim' ? `sim:${spec.seed}` : `replay:${spec.file}`;
}
