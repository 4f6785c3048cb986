import { Token } from 'cdktf';
import { errors } from './errors.js';

/**
 * Throws `out-of-range` unless `value` is a whole number from `min` to `max`. A token (known only at apply)
 * passes.
 */
export function checkWholeNumber(
  path: string,
  field: string,
  value: number,
  min: number,
  max: number,
  hint: string,
): void {
  if (!Token.isUnresolved(value) && (value < min || value > max || !Number.isInteger(value)))
    throw errors.outOfRange(path, field, value, min, max, hint);
}
