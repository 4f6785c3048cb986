import { encodeException, sendAwsError } from './aws.js';
import type { Exchange } from './exchange.js';
import type { FaultRule } from './types.js';

/** Bedrock Runtime errors: restJson1, `x-amzn-errortype` header, `{ "message" }` body. */

const STATUS_OF: Readonly<Record<string, number>> = {
  ThrottlingException: 429,
  ServiceQuotaExceededException: 400,
  ModelNotReadyException: 429,
  ServiceUnavailableException: 503,
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  InternalServerException: 500,
};

const TYPE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

const MESSAGES: Readonly<Record<string, string>> = {
  ThrottlingException: 'Too many requests, please wait before trying again.',
  ServiceQuotaExceededException:
    'Your request exceeds the service quota for your account. You can view your quotas at https://docs.aws.amazon.com/bedrock/latest/userguide/quotas.html. You can request an increase for adjustable quotas.',
  ModelNotReadyException:
    'Model is not ready to serve inference requests. The AWS SDK will automatically retry the operation up to 5 times.',
  ServiceUnavailableException: 'Bedrock is unable to process your request.',
  ValidationException: 'Malformed input request, please reformat your input and try again.',
  AccessDeniedException: "You don't have access to the model with the specified model ID.",
  ResourceNotFoundException: 'The specified resource was not found.',
  ModelTimeoutException: 'Model has timed out in processing the request. Try your request again.',
  ModelErrorException:
    'The system encountered an unexpected error during processing. Try your request again.',
  ModelStreamErrorException: 'The model stream encountered an error.',
  InternalServerException: 'The server encountered an internal error while processing the request.',
};

export interface BedrockError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** Resolves a fault rule to Bedrock's error: `status` alone picks the natural error for it. */
export function bedrockErrorOf(rule: FaultRule): BedrockError {
  const type = rule.errorType ?? TYPE_OF_STATUS[rule.status ?? 500] ?? 'InternalServerException';
  const status = rule.status ?? STATUS_OF[type] ?? 500;
  return { status, type, message: rule.message ?? MESSAGES[type] ?? `${type}: injected fault` };
}

export function sendBedrockError(
  ex: Exchange,
  status: number,
  type: string,
  message: string,
  retryAfterMs?: number,
): void {
  sendAwsError(ex, status, type, { message }, retryAfterMs);
}

export function sendBedrockFault(ex: Exchange, rule: FaultRule): void {
  const { status, type, message } = bedrockErrorOf(rule);
  const body: Record<string, unknown> = { message };
  if (type === 'ModelErrorException' || type === 'ModelStreamErrorException') {
    body.originalStatusCode = rule.originalStatusCode ?? 500;
    body.resourceName = 'emulator';
  }
  sendAwsError(ex, status, type, body, rule.retryAfterMs);
}

export function validation(ex: Exchange, message: string): void {
  sendBedrockError(ex, 400, 'ValidationException', message);
}

/** The exception event for a stream-error fault; the member name is the error name with a lower-case first letter. */
export function bedrockStreamException(rule: FaultRule): Uint8Array {
  const errorType = rule.errorType ?? (rule.status === undefined ? 'ThrottlingException' : undefined);
  const { type, message } = bedrockErrorOf({ ...rule, errorType });
  const member = type.charAt(0).toLowerCase() + type.slice(1);
  const body: Record<string, unknown> = { message };
  if (type === 'ModelStreamErrorException') {
    body.originalStatusCode = rule.originalStatusCode ?? 500;
    body.originalMessage = 'Model stream failed';
  }
  return encodeException(member, body);
}
