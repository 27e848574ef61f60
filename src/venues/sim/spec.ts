/** `--market sim[:SEED]`: parsing the spec and the fixed defaults that make a run reproducible. */
import { InputError } from '../../domain/errors.js';

export { DEFAULT_SIM_ORIGIN, DEFAULT_SIM_START } from './world.js';

/** Seed used by a bare `sim`. */
export const DEFAULT_SIM_SEED = 1;

export interface SimSpec {
  readonly seed: number;
}

/** Parses "sim" or "sim:SEED" (SEED a decimal integer 0..4294967295); anything else is an InputError. */
export function parseSimSpec(spec: string): SimSpec {
  const m = /^sim(?::(\d{1,10}))?$/.exec(spec.trim());
  if (!m) throw new InputError(`market "${spec}" is not a sim spec: use "sim" or "sim:SEED" (SEED a whole number)`);
  if (m[1] === undefined) return { seed: DEFAULT_SIM_SEED };
  const seed = Number(m[1]);
  if (!Number.isSafeInteger(seed) || seed > 0xffffffff) {
    throw new InputError(`sim seed ${m[1]} is out of range: use a whole number from 0 to 4294967295`);
  }
  return { seed };
}
