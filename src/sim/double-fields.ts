/**
 * @fileoverview Fields that V8 should store as doubles from an object's
 * creation on (a V8 matter, no kernel counterpart).
 *
 * V8 gives a field the representation of the first value stored in it: a
 * small integer (Smi) when it starts at 0 or -1. When any instance later
 * stores a value that is not a Smi (a time in ns past 2^31, about 2.15 s of
 * simulated time; a number read from a Float64Array), the class's map is
 * replaced by one with a double field, and every other instance keeps the
 * old, deprecated map until something touches it, when it migrates. With
 * thousands of flows that goes on for seconds of simulated time (a flow
 * backed off by RTOs is touched rarely), and each late migration met by
 * optimized code deoptimizes it, which V8 then compiles again: at 10,000
 * flows 91, 62 and 44 deoptimizations in the 4th, 5th and 6th simulated
 * seconds, and V8's optimizing compiler ran 3,800 instructions per event
 * in steady state, 39 % of all (docs/benchmarks.md, "Cold lines per
 * event"); 5 in the 4th second with these fields. Storing a double in those
 * fields when each object is made (and putting the value back) gives the
 * class its double fields from the first instance on, so no instance ever
 * migrates. The values the model sees are unchanged.
 */

/** A non-Smi number (V8 keeps it as a double). */
const NOT_SMI = 0.5;

/**
 * Stores a double in each of `names` of `o` and puts the field's own value
 * back: call at the end of a constructor, with the fields that come to hold
 * times in ns or numbers read from typed arrays.
 */
export function doubleFields(o: object, names: readonly string[]): void {
  const r = o as Record<string, unknown>;
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    const v = r[n];
    r[n] = NOT_SMI;
    r[n] = v;
  }
}
