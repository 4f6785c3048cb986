import { describe, expect, it } from 'vitest';
import {
  abortError,
  GenAiError,
  invalidRequest,
  isGenAiError,
  kindFromStatus,
  looksLikeContextLength,
  networkError,
  parseDuration,
  parseRetryAfter,
  retryAfterFromHeaders,
} from './errors.js';

describe('isGenAiError', () => {
  it('recognises errors from a second copy of the package (brand, not instanceof)', async () => {
    // A query string makes Vite load errors.ts again as a separate module instance: a second GenAiError class.
    const specifier = './errors.js?second-copy';
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof import('./errors.js');
    expect(copy.GenAiError).not.toBe(GenAiError);
    const foreign = new copy.GenAiError('from the other copy', { kind: 'throttled' });
    expect(foreign instanceof GenAiError).toBe(false);
    expect(isGenAiError(foreign)).toBe(true);
    expect(copy.isGenAiError(new GenAiError('ours', { kind: 'auth' }))).toBe(true);
  });

  it('rejects look-alikes', () => {
    expect(isGenAiError(new Error('x'))).toBe(false);
    expect(isGenAiError({ kind: 'throttled', retryable: true, name: 'GenAiError' })).toBe(false);
    expect(isGenAiError(null)).toBe(false);
    expect(isGenAiError('GenAiError')).toBe(false);
  });
});

describe('GenAiError', () => {
  it('defaults retryable by kind', () => {
    expect(new GenAiError('t', { kind: 'throttled' }).retryable).toBe(true);
    expect(new GenAiError('u', { kind: 'unavailable' }).retryable).toBe(true);
    expect(new GenAiError('t', { kind: 'timeout' }).retryable).toBe(true);
    for (const kind of [
      'invalid-request',
      'auth',
      'not-found',
      'context-length',
      'content-filter',
      'aborted',
      'mid-stream',
    ] as const) {
      expect(new GenAiError(kind, { kind }).retryable).toBe(false);
    }
    expect(new GenAiError('q', { kind: 'throttled', retryable: false }).retryable).toBe(false);
  });

  it('keeps cause, status, code and hint', () => {
    const cause = new Error('root');
    const e = new GenAiError('m', {
      kind: 'throttled',
      status: 429,
      retryAfterMs: 1500,
      code: 'X',
      provider: 'azure',
      cause,
    });
    expect(e).toMatchObject({
      name: 'GenAiError',
      kind: 'throttled',
      status: 429,
      retryAfterMs: 1500,
      code: 'X',
      provider: 'azure',
    });
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(Error);
  });

  it('invalidRequest names the field, the value and the rule', () => {
    const e = invalidRequest('temperature', 3, 'bedrock/x accepts 0 to 1', 'Lower it');
    expect(e.message).toBe('invalid temperature: got 3; bedrock/x accepts 0 to 1. Lower it');
    expect(e.kind).toBe('invalid-request');
  });
});

describe('abortError', () => {
  it('is `timeout` for a deadline and `aborted` otherwise', () => {
    expect(abortError(AbortSignal.abort(new DOMException('late', 'TimeoutError'))).kind).toBe('timeout');
    expect(abortError(AbortSignal.abort()).kind).toBe('aborted');
  });
});

describe('retry hints', () => {
  it('parses Retry-After seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('prefers retry-after-ms, in any header casing', () => {
    expect(retryAfterFromHeaders({ 'Retry-After': '3', 'retry-after-ms': '1234' })).toBe(1234);
    expect(retryAfterFromHeaders({ 'RETRY-AFTER': '3' })).toBe(3000);
    expect(retryAfterFromHeaders({})).toBeUndefined();
  });

  it('parses protobuf durations', () => {
    expect(parseDuration('34.4s')).toBe(34_400);
    expect(parseDuration({ seconds: '2', nanos: 500_000_000 })).toBe(2500);
    expect(parseDuration('3 minutes')).toBeUndefined();
  });
});

describe('classification helpers', () => {
  it('maps bare statuses', () => {
    expect([429, 401, 403, 404, 408, 413, 500, 503, 400, 422].map(kindFromStatus)).toEqual([
      'throttled',
      'auth',
      'auth',
      'not-found',
      'timeout',
      'context-length',
      'unavailable',
      'unavailable',
      'invalid-request',
      'invalid-request',
    ]);
  });

  it('spots context-length messages but not per-minute token throttling', () => {
    expect(looksLikeContextLength('prompt is too long: 250000 tokens > 200000 maximum')).toBe(true);
    expect(looksLikeContextLength("This model's maximum context length is 128000 tokens")).toBe(true);
    expect(looksLikeContextLength('Input is too long for requested model.')).toBe(true);
    expect(looksLikeContextLength('Too many tokens per minute')).toBe(false);
    expect(looksLikeContextLength('Malformed input request')).toBe(false);
  });

  it('recognises connection failures through the cause chain', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const wrapped = new Error('request failed', { cause: reset });
    expect(networkError(wrapped, 'azure')).toMatchObject({
      kind: 'unavailable',
      retryable: true,
      code: 'ECONNRESET',
    });
    expect(networkError(new Error('bad input'), 'azure')).toBeUndefined();
  });
});
