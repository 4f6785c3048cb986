/**
 * The client's GenAiError as the error the AI SDK acts on. A caller's abort surfaces as the signal's reason
 * (an AbortError, as fetch raises it), so generateText rethrows it unretried and streamText ends with its
 * `abort` part; every other failure is an APICallError whose `isRetryable` is the client's verdict, with the
 * provider's retry hint as a `retry-after-ms` header, which the SDK's retry loop honours.
 */
import { APICallError } from '@ai-sdk/provider';
import { type GenAiError, isGenAiError } from '@genai-deploy/client';

/** The `url` of every APICallError: the client picks the upstream endpoint, so the address stands for it. */
export const errorUrl = (modelId: string): string => `genai-deploy:${modelId}`;

export function mapError(
  error: unknown,
  modelId: string,
  requestBody: unknown,
  signal?: AbortSignal,
): unknown {
  if (signal?.aborted && (!isGenAiError(error) || error.kind === 'aborted' || error.kind === 'timeout')) {
    return signal.reason ?? error;
  }
  if (!isGenAiError(error)) return error;
  return new APICallError({
    message: error.message,
    url: errorUrl(error.target ? `${error.target.provider}/${error.target.model}` : modelId),
    requestBodyValues: requestBody,
    ...(error.status !== undefined && { statusCode: error.status }),
    ...(error.retryAfterMs !== undefined && {
      responseHeaders: { 'retry-after-ms': String(error.retryAfterMs) },
    }),
    ...(error.text !== undefined && { responseBody: error.text }),
    isRetryable: error.retryable,
    data: errorData(error),
    cause: error,
  });
}

function errorData(error: GenAiError) {
  return {
    kind: error.kind,
    ...(error.code !== undefined && { code: error.code }),
    ...(error.provider !== undefined && { provider: error.provider }),
    ...(error.target !== undefined && { target: error.target.id }),
  };
}
