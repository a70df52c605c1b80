/** A failed assertion is a bug, never bad input: it is logged and answered with an opaque 500. */
export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

export function assert(ok: unknown, why: string): asserts ok {
  if (!ok) throw new InvariantViolation(why);
}
