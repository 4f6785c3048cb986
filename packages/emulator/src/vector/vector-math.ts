/** Exact vector arithmetic shared by the emulated vector engines (they search by brute force). */

export function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * (b[i] ?? 0);
  return sum;
}

export function norm(a: readonly number[]): number {
  return Math.sqrt(dot(a, a));
}

/** Cosine similarity; 0 when either vector is all zeros (no direction to compare). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  const n = norm(a) * norm(b);
  return n === 0 ? 0 : dot(a, b) / n;
}

export function squaredL2(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - (b[i] ?? 0);
    sum += d * d;
  }
  return sum;
}

/** The vector scaled to unit length (unchanged when all zeros). */
export function unit(a: readonly number[]): number[] {
  const n = norm(a);
  return n === 0 ? [...a] : a.map((x) => x / n);
}

/** True for a non-empty array of finite numbers. */
export function isVector(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((x) => typeof x === 'number' && Number.isFinite(x))
  );
}

/** The `k` best of `items` by descending score (stable for equal scores). */
export function topK<T extends { readonly score: number }>(items: readonly T[], k: number): T[] {
  return [...items].sort((a, b) => b.score - a.score).slice(0, Math.max(0, k));
}
