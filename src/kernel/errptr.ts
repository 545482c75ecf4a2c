/**
 * @fileoverview The model's ERR_PTR: a function that returns an object returns
 * either that object or a negative errno (include/linux/err.h).
 *
 * `T | Errno` works because no kernel object is a number: `isErr(x)` is a
 * `typeof` test. Integer-returning functions use the kernel's plain
 * "≥ 0 or -errno" convention instead.
 */

/** A negative errno value, branded so it is not confused with an fd or an ID. */
export type Errno = number & { readonly __errno: unique symbol };

/** An object, or a negative errno (the model's ERR_PTR). */
export type ErrOr<T extends object> = T | Errno;

/** Makes the ERR_PTR for `errno` (a positive errno constant from uapi). */
export function ERR(errno: number): Errno {
  return -Math.abs(errno) as Errno;
}

/** IS_ERR: whether `x` is an errno rather than an object. */
export function isErr<T extends object>(x: ErrOr<T>): x is Errno {
  return typeof x === "number";
}
