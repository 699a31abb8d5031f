/**
 * Gives number fields V8's double representation from construction on, keeping their values.
 *
 * V8 stores a field first written with a small integer (|x| < 2^30) as one. When the field
 * later holds a double (a byte count past 2^30, a fraction), the object's hidden class is
 * replaced, and every optimised function that saw the old one is thrown away and compiled again:
 * a simulation paid that mid-run (byte counters pass 2^30 after 262,144 IOs of 4 KiB) and at the
 * start of the next run. Storing NaN then the value makes the field a double at once; a double
 * field takes small integers too, so it never changes again. Called from constructors (object
 * literals write NaN in the literal instead). Later objects of the class are built with the
 * double fields already, so only the first one of each class in the process needs the stores.
 *
 * Counters that are only counted and compared are double fields too (the event queue's sequence,
 * the IOTLB's clock and counts, the IOVA allocator's live pages, the device's busy slots, the
 * driver's settled IOs): a small integer's increment untags it, adds with an overflow check and
 * tags it again, and converts it when it meets a double; a double field's is a load, an add and a
 * store (strict: 2,390 -> 2,315 machine instructions per simulated IO). Not indices: a double used
 * as an index is converted back, with checks, at each use.
 */
export function doubleFields(o: object, ...keys: string[]): void {
  // Keyed by class and first field: a constructor may call this more than once.
  const cls = o.constructor;
  let seen = done.get(cls);
  if (!seen) done.set(cls, (seen = new Set()));
  if (seen.has(keys[0])) return;
  seen.add(keys[0]);
  const r = o as Record<string, unknown>;
  for (const k of keys) {
    const v = r[k];
    if (typeof v !== 'number') throw new Error(`doubleFields: ${k} is not a number field of ${o.constructor.name}`);
    r[k] = NaN;
    r[k] = v;
  }
}

const done = new WeakMap<object, Set<string>>();

/**
 * An array of `values` whose elements V8 stores as doubles from the start: an array literal of
 * small integers (or an empty one) changes its elements kind when it first gets a double, as a
 * field changes its representation (see doubleFields).
 */
export function doubleArray(values: number[]): number[] {
  const a = [NaN];
  a.length = 0;
  for (const v of values) a.push(v);
  return a;
}

/** An empty array whose elements V8 stores as objects from the start (see doubleArray). */
export function objectArray<T extends object>(sample: T): T[] {
  const a = [sample];
  a.length = 0;
  return a;
}
