import { createHash } from 'node:crypto';

/**
 * A name derived from a construct path, so it is the same on every synth and different for every
 * construct: `prefix` plus the path's last segment, trimmed, plus 6 hex chars of a hash of the path.
 */
export function stableName(
  path: string,
  opts: { prefix?: string; maxLength: number; separator?: string },
): string {
  const sep = opts.separator ?? '-';
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 6);
  const last = (path.split('/').pop() ?? 'x').toLowerCase().replace(/[^a-z0-9]+/g, sep);
  const head = `${opts.prefix ?? ''}${last}`.replace(/^[^a-z]+/, '');
  const room = opts.maxLength - hash.length - 1;
  const trimmed = head.slice(0, room).replace(new RegExp(`\\${sep}+$`), '');
  return `${trimmed || 'x'}${sep}${hash}`;
}

/** A 10-digit number without a leading zero derived from a path: Vertex endpoint ids must look like that. */
export function stableNumericId(path: string): string {
  const hex = createHash('sha256').update(path).digest('hex').slice(0, 15);
  return String(1_000_000_000n + (BigInt(`0x${hex}`) % 9_000_000_000n));
}
