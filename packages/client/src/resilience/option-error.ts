import { GenAiError } from '../errors.js';

/** A bad createClient option: an `invalid-request` GenAiError naming the option, what it got and what it needs. */
export function optionError(message: string): GenAiError {
  return new GenAiError(`createClient: ${message}`, { kind: 'invalid-request', code: 'invalid-option' });
}
