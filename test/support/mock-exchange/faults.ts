/**
 * Armed faults. A fault is matched by the operation name a route declares ('createOrder', ...) or
 * by '*', and is spent once per matching request (`times`, default 1). With `skip`, the first
 * `skip` matching requests it sees pass untouched (each armed fault counts the matching requests
 * it sees itself, whether or not another fault hit them), so a fault can target the nth
 * createOrder of a protocol.
 */
import type { FaultSpec } from './types.js';

interface Armed {
  readonly spec: FaultSpec;
  left: number;
  skipLeft: number;
}

export class Faults {
  private armed: Armed[] = [];

  add(spec: FaultSpec): void {
    const skip = spec.skip ?? 0;
    if (!(Number.isInteger(skip) && skip >= 0)) throw new RangeError(`fault skip must be an integer >= 0, got ${skip}`);
    this.armed.push({ spec, left: spec.times ?? 1, skipLeft: skip });
  }

  clear(): void {
    this.armed = [];
  }

  /** Whether any armed fault has uses left (spent ones do not count). */
  pending(): number {
    return this.armed.filter((a) => a.left > 0).length;
  }

  /** The first armed fault for `op` past its skip, spending one use of it; every matching fault still skipping counts the request. */
  take(op: string): FaultSpec | undefined {
    let hit: Armed | undefined;
    for (const a of this.armed) {
      if (a.left <= 0 || (a.spec.on !== op && a.spec.on !== '*')) continue;
      if (a.skipLeft > 0) {
        a.skipLeft--;
        continue;
      }
      if (hit === undefined) hit = a;
    }
    if (hit === undefined) return undefined;
    hit.left--;
    return hit.spec;
  }
}
