/**
 * `true` when `A` and `B` are the same type, each assignable to the other. A constant typed
 * `Same<X, Y>` and set to `true` fails `tsc` the day a schema and the type it mirrors drift apart.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
