import { randomUUID } from 'node:crypto';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { Exchange } from './exchange.js';

/** Wire pieces shared by the two AWS services (restJson1 errors, SigV4 shape checks, event streams). */

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

/** One AWS event-stream message: an event (`:message-type: event`) with a JSON payload. */
export function encodeEvent(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** An event whose payload member is a blob (`@eventPayload`), such as SageMaker's PayloadPart. */
export function encodeBlobEvent(eventType: string, bytes: Uint8Array): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/octet-stream' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: bytes,
  });
}

/** A modelled exception inside the stream (`:message-type: exception`, `:exception-type: <member>`). */
export function encodeException(exceptionType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

export function requestId(): string {
  return randomUUID();
}

/**
 * A restJson1 error: the SDK reads the error name from `x-amzn-errortype` (then `__type`/`code` in the
 * body) and the fields from the JSON body.
 */
export function sendAwsError(
  ex: Exchange,
  status: number,
  errorType: string,
  body: Record<string, unknown>,
  retryAfterMs?: number,
): void {
  const headers: Record<string, string> = {
    'x-amzn-requestid': requestId(),
    'x-amzn-errortype': errorType,
  };
  if (retryAfterMs !== undefined)
    headers['retry-after'] = String(Math.max(0, Math.ceil(retryAfterMs / 1000)));
  ex.json(status, body, headers);
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([A-Za-z0-9]{4,128})\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9.-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;:._-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Accepts any SigV4-shaped Authorization header scoped to `service` (the signature itself is not checked:
 * there are no secrets to check it against). Rejects the way AWS's front door does, with the message in
 * `message` (Bedrock) or `Message` (SageMaker). Returns false when it answered.
 */
export function checkSigV4(
  ex: Exchange,
  service: string,
  messageKey: 'message' | 'Message',
  allowBearer = false,
): boolean {
  const auth = ex.header('authorization');
  if (auth === undefined || auth === '') {
    sendAwsError(ex, 403, 'MissingAuthenticationTokenException', {
      [messageKey]: 'Missing Authentication Token',
    });
    return false;
  }
  if (allowBearer && /^Bearer \S+$/.test(auth)) return true;
  const match = SIGV4.exec(auth);
  if (!match) {
    sendAwsError(ex, 403, 'IncompleteSignatureException', {
      [messageKey]:
        "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters in the form " +
        "'AWS4-HMAC-SHA256 Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request, " +
        `SignedHeaders=<headers>, Signature=<hex>'. Authorization=${auth.split(' ')[0] ?? ''}`,
    });
    return false;
  }
  if (match[4] !== service) {
    sendAwsError(ex, 403, 'InvalidSignatureException', {
      [messageKey]: `Credential should be scoped to correct service: '${service}'. `,
    });
    return false;
  }
  if (ex.header('x-amz-date') === undefined && ex.header('date') === undefined) {
    sendAwsError(ex, 403, 'IncompleteSignatureException', {
      [messageKey]: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    });
    return false;
  }
  return true;
}
