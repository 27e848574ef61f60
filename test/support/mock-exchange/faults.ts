/**
 * Armed faults. A fault is matched by the operation name a route declares ('createOrder', ...) or
 * by '*', and is spent once per matching request (`times`, default 1).
 */
import type { FaultSpec } from './types.js';

interface Armed {
  readonly spec: FaultSpec;
  left: number;
}

export class Faults {
  private armed: Armed[] = [];

  add(spec: FaultSpec): void {
    this.armed.push({ spec, left: spec.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
  }

  /** The first armed fault for `op`, spending one use of it. */
  take(op: string): FaultSpec | undefined {
    const a = this.armed.find((x) => x.left > 0 && (x.spec.on === op || x.spec.on === '*'));
    if (a === undefined) return undefined;
    a.left--;
    return a.spec;
  }
}
