import { describe, expect, it } from 'vitest';
import type { GenAiError } from '../errors.js';
import type { EmbedRequest, GenerateRequest } from '../types.js';
import { type ValidationContext, validateEmbed, validateGenerate } from './validate.js';

const vctx: ValidationContext = {
  routes: {
    chat: { targets: ['bedrock/anthropic.claude-3-5-haiku-20241022-v1:0', 'vertex/gemini-2.0-flash'] },
  },
  providerProblem: (p) => (p === 'azure' ? 'Azure AI inference is not configured' : undefined),
};
const ok: GenerateRequest = { model: 'vertex/gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] };

function rejectGenerate(req: unknown): GenAiError {
  try {
    validateGenerate(req as GenerateRequest, vctx);
  } catch (e) {
    return e as GenAiError;
  }
  throw new Error('accepted');
}

function rejectEmbed(req: unknown): GenAiError {
  try {
    validateEmbed(req as EmbedRequest, vctx);
  } catch (e) {
    return e as GenAiError;
  }
  throw new Error('accepted');
}

describe('validateGenerate', () => {
  it('normalizes a valid request and resolves its targets', () => {
    const signal = new AbortController().signal;
    const req = validateGenerate({ ...ok, signal, temperature: 1.5 }, vctx);
    expect(req).not.toHaveProperty('signal');
    expect(req.targets).toEqual([
      { provider: 'vertex', model: 'gemini-2.0-flash', id: 'vertex/gemini-2.0-flash' },
    ]);
    const routed = validateGenerate({ ...ok, model: 'chat' }, vctx);
    expect(routed.route).toBe('chat');
    expect(routed.targets.map((t) => t.id)).toEqual([
      'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
      'vertex/gemini-2.0-flash',
    ]);
  });

  it.each([
    [
      'empty messages',
      { ...ok, messages: [] },
      /invalid messages: got an array of 0; expected a non-empty array/,
    ],
    ['missing messages', { model: ok.model }, /invalid messages: got undefined/],
    [
      'bad role',
      { ...ok, messages: [{ role: 'robot', content: 'x' }] },
      /invalid messages\[0\]\.role: got "robot"; expected one of "user", "assistant"/,
    ],
    [
      'system as a message',
      { ...ok, messages: [{ role: 'system', content: 'x' }] },
      /Pass the system prompt as `system`/,
    ],
    [
      'empty content',
      { ...ok, messages: [{ role: 'user', content: '' }] },
      /invalid messages\[0\]\.content: got ""; expected a non-empty string/,
    ],
    [
      'assistant first',
      { ...ok, messages: [{ role: 'assistant', content: 'x' }] },
      /messages\[0\]\.role: got "assistant"; the first message must come from "user"/,
    ],
    ['maxTokens 0', { ...ok, maxTokens: 0 }, /invalid maxTokens: got 0; expected an integer > 0/],
    ['maxTokens negative', { ...ok, maxTokens: -5 }, /invalid maxTokens: got -5/],
    ['maxTokens fractional', { ...ok, maxTokens: 1.5 }, /invalid maxTokens: got 1.5/],
    [
      'temperature over Vertex max',
      { ...ok, temperature: 2.5 },
      /invalid temperature: got 2.5; vertex\/gemini-2.0-flash accepts 0 to 2/,
    ],
    ['temperature negative', { ...ok, temperature: -0.1 }, /invalid temperature: got -0.1/],
    [
      'temperature over a route target',
      { ...ok, model: 'chat', temperature: 1.5 },
      /bedrock\/anthropic\.claude-3-5-haiku-20241022-v1:0 accepts 0 to 1\. Route "chat" includes/,
    ],
    ['topP', { ...ok, topP: 0 }, /invalid topP: got 0; expected a number in \(0, 1\]/],
    ['stop', { ...ok, stop: ['', 'x'] }, /invalid stop/],
    [
      'unknown provider',
      { ...ok, model: 'openai/gpt-4o' },
      /invalid model: got "openai\/gpt-4o"; unknown provider "openai"; expected one of bedrock, sagemaker, vertex, azure\. Configured routes: chat/,
    ],
    [
      'unknown route',
      { ...ok, model: 'fast' },
      /invalid model: got "fast"; not a configured route .*Configured routes: chat/,
    ],
    [
      'provider not configured',
      { ...ok, model: 'azure/gpt-4o-mini' },
      /Azure AI inference is not configured/,
    ],
    ['deadline', { ...ok, deadlineMs: 0 }, /invalid deadlineMs: got 0/],
    ['providerOptions', { ...ok, providerOptions: [1] }, /invalid providerOptions/],
  ])('%s', (_name, req, message) => {
    const e = rejectGenerate(req);
    expect(e.kind).toBe('invalid-request');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(message);
  });

  it('accepts the edges of the ranges', () => {
    expect(() => validateGenerate({ ...ok, temperature: 2, topP: 1, maxTokens: 1 }, vctx)).not.toThrow();
    expect(() => validateGenerate({ ...ok, model: 'chat', temperature: 0 }, vctx)).not.toThrow();
  });
});

describe('validateEmbed', () => {
  it('turns a single string into a one-element input', () => {
    expect(validateEmbed({ model: 'vertex/text-embedding-005', input: 'one' }, vctx).input).toEqual(['one']);
  });

  it.each([
    [
      'empty input array',
      { model: 'vertex/text-embedding-005', input: [] },
      /invalid input: got an array of 0/,
    ],
    [
      'empty string',
      { model: 'vertex/text-embedding-005', input: ['a', ''] },
      /invalid input\[1\]: got ""; expected a non-empty string/,
    ],
    [
      'over the per-text tokens',
      { model: 'vertex/text-embedding-005', input: ['ok', 'word '.repeat(2000)] },
      /invalid input\[1\]: got "about 2500 tokens \(10000 characters\)"; vertex\/text-embedding-005 takes at most 2048 tokens per text/,
    ],
    [
      'over Cohere per-text characters',
      { model: 'bedrock/cohere.embed-english-v3', input: 'x'.repeat(2049) },
      /invalid input: got "2049 characters"; bedrock\/cohere\.embed-english-v3 takes at most 2048 characters per text/,
    ],
    [
      'dimensions not offered by Titan',
      { model: 'bedrock/amazon.titan-embed-text-v2:0', input: 'x', dimensions: 300 },
      /accepts one of 256, 512, 1024/,
    ],
    [
      'dimensions over Vertex max',
      { model: 'vertex/text-embedding-005', input: 'x', dimensions: 1024 },
      /accepts 1 to 768/,
    ],
    [
      'inputType',
      { model: 'vertex/text-embedding-005', input: 'x', inputType: 'passage' },
      /invalid inputType: got "passage"/,
    ],
  ])('%s', (_name, req, message) => {
    const e = rejectEmbed(req);
    expect(e.kind).toBe('invalid-request');
    expect(e.message).toMatch(message);
  });
});

describe('the per-call cache field', () => {
  const embedOk: EmbedRequest = { model: 'vertex/text-embedding-005', input: 'one' };

  it('accepts booleans and { enabled?, scope? } on generate and embed, and keeps them on the request', () => {
    for (const cache of [true, false, {}, { scope: 't' }, { enabled: false, scope: 'x'.repeat(256) }]) {
      expect(validateGenerate({ ...ok, cache }, vctx).cache).toEqual(cache);
      expect(validateEmbed({ ...embedOk, cache }, vctx).cache).toEqual(cache);
    }
  });

  it.each([
    [
      'a string',
      'yes',
      /invalid cache: got "yes"; expected true, false or \{ enabled\?: boolean, scope\?: string \}/,
    ],
    ['null', null, /invalid cache: got null; expected true, false or/],
    ['an array', ['t'], /invalid cache: got an array of 1; expected true, false or/],
    [
      'an empty scope',
      { scope: '' },
      /invalid cache\.scope: got ""; expected a non-empty string\. Pass a tenant id/,
    ],
    ['a number scope', { scope: 7 }, /invalid cache\.scope: got 7; expected a non-empty string/],
    [
      'a scope too long',
      { scope: 'x'.repeat(257) },
      /invalid cache\.scope: got "257 characters"; expected at most 256 characters\. Pass a short id/,
    ],
    [
      'a misspelt scope',
      { scop: 't' },
      /invalid cache\.scop: got "t"; expected only "enabled" and "scope"\. Put a tenant id in `scope`/,
    ],
    [
      'a ttl',
      { ttlMs: 5 },
      /invalid cache\.ttlMs: got 5; expected only "enabled" and "scope"\. .*per route \(`cacheTtlSeconds`\)/,
    ],
    ['a non-boolean enabled', { enabled: 'no' }, /invalid cache\.enabled: got "no"; expected true or false/],
  ])('refuses %s, naming the field, the value and the rule', (_name, cache, message) => {
    for (const e of [rejectGenerate({ ...ok, cache }), rejectEmbed({ ...embedOk, cache })]) {
      expect(e.kind).toBe('invalid-request');
      expect(e.message).toMatch(message);
    }
  });

  it('does not echo a long scope back in the error', () => {
    const scope = `secret-looking-${'x'.repeat(300)}`;
    expect(rejectGenerate({ ...ok, cache: { scope } }).message).not.toContain('secret-looking');
  });
});
