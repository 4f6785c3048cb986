import { Token } from 'cdktf';
import { errors } from './errors.js';

const ISO_DURATION = /^PT(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/;

/**
 * Seconds in an ISO-8601 time duration ("PT90S", "PT10M", "PT1H30M", "PT0.5S"), or undefined for an unresolved
 * token. Throws a named error for anything else.
 */
export function durationSeconds(path: string, field: string, value: string): number | undefined {
  if (Token.isUnresolved(value)) return undefined;
  const m = ISO_DURATION.exec(value);
  if (!m || value === 'PT') throw errors.invalidDuration(path, field, value);
  const [, h = '0', min = '0', s = '0'] = m;
  return Number(h) * 3600 + Number(min) * 60 + Number(s);
}

/** Checks that a duration lies within [min, max] seconds. */
export function checkDuration(
  path: string,
  field: string,
  value: string | undefined,
  minSeconds: number,
  maxSeconds: number,
): void {
  if (value === undefined) return;
  const seconds = durationSeconds(path, field, value);
  if (seconds === undefined) return;
  if (seconds < minSeconds || seconds > maxSeconds) {
    throw errors.durationOutOfRange(path, field, value, secondsToIso(minSeconds), secondsToIso(maxSeconds));
  }
}

/** "PT<n>S" for whole seconds, "PT<n>M" when it divides evenly, for readable templates. */
export function secondsToIso(seconds: number): string {
  if (seconds % 3600 === 0 && seconds > 0) return `PT${seconds / 3600}H`;
  if (seconds % 60 === 0 && seconds > 0) return `PT${seconds / 60}M`;
  return `PT${seconds}S`;
}
