/**
 * The client's GenAiError in LangChain's terms: an abort is a ModelAbortError (with the partial output), a
 * context overflow a ContextOverflowError (the GenAiError as its cause); every other error stays the GenAiError
 * (so `isGenAiError` and `kind` still work) stamped with LangChain's retryable mark and error code.
 */

import { type ErrorKind, isGenAiError } from '@genai-deploy/client';
import {
  ContextOverflowError,
  type LangChainErrorCodes,
  ModelAbortError,
  stampRetryable,
} from '@langchain/core/errors';
import { AIMessageChunk } from '@langchain/core/messages';

const CODES: Partial<Record<ErrorKind, LangChainErrorCodes>> = {
  throttled: 'MODEL_RATE_LIMIT',
  auth: 'MODEL_AUTHENTICATION',
  'not-found': 'MODEL_NOT_FOUND',
  'invalid-output': 'OUTPUT_PARSING_FAILURE',
};

export function mapError(error: unknown, signal?: AbortSignal, partial?: AIMessageChunk): unknown {
  const aborted =
    signal?.aborted && (!isGenAiError(error) || error.kind === 'aborted' || error.kind === 'timeout');
  if (aborted || (isGenAiError(error) && error.kind === 'aborted')) {
    return stampRetryable(new ModelAbortError('Model invocation was aborted.', partial), false);
  }
  if (!isGenAiError(error)) return error;
  if (error.kind === 'context-length') {
    return stampRetryable(ContextOverflowError.fromError(error), false);
  }
  const code = CODES[error.kind];
  if (code !== undefined && !('lc_error_code' in error)) {
    Object.defineProperty(error, 'lc_error_code', { value: code, enumerable: false });
  }
  return stampRetryable(error, error.retryable);
}

/** An empty chunk, so an abort before any output still carries a message. */
export const emptyChunk = (): AIMessageChunk => new AIMessageChunk({ content: '' });
