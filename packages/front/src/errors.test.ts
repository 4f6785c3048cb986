import { GenAiError } from '@genai-deploy/client';
import { describe, expect, it } from 'vitest';
import { fromUpstreamError, openAiField } from './errors.js';

describe('openAiField', () => {
  it('names client fields as the caller wrote them', () => {
    expect(openAiField('maxTokens')).toBe('max_tokens');
    expect(openAiField('topP')).toBe('top_p');
    expect(openAiField('system')).toBe('messages');
    expect(openAiField('input[3]')).toBe('input[3]');
    // Client message 0 was the caller's message 2 (two system messages were taken out).
    expect(openAiField('messages[0].role', [2, 3])).toBe('messages[2].role');
    expect(openAiField('providerOptions.x')).toBeUndefined();
  });
});

describe('fromUpstreamError', () => {
  it('rewrites the field of a client validation error into param and message', () => {
    const err = fromUpstreamError(
      new GenAiError('invalid messages[0].role: got "assistant"; the first message must come from "user"', {
        kind: 'invalid-request',
        code: 'validation',
      }),
      'm',
      [1],
    );
    expect(err.status).toBe(400);
    expect(err.param).toBe('messages[1].role');
    expect(err.message).toBe(
      'invalid messages[1].role: got "assistant"; the first message must come from "user"',
    );
  });

  it('keeps provider messages it cannot map, without a param', () => {
    const err = fromUpstreamError(
      new GenAiError('ValidationException: bad thing', {
        kind: 'invalid-request',
        provider: 'bedrock',
        status: 400,
      }),
      'm',
    );
    expect(err).toMatchObject({ status: 400, param: null, message: 'ValidationException: bad thing' });
  });
});
