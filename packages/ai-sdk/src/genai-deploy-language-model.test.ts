/**
 * The LanguageModelV3 contract itself (doGenerate / doStream), below the AI SDK's functions: the exact part
 * sequences a stream sends, and what a failure before the first part does.
 */
import type { LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { APICallError } from '@ai-sdk/provider';
import { convertReadableStreamToArray } from '@ai-sdk/provider-utils/test';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT, startTestPlatform, type TestPlatform } from './emulator.test-utils.js';
import { GenAiDeployLanguageModel } from './genai-deploy-language-model.js';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.close());
beforeEach(() => platform.emulator.reset());

const model = (id: string) =>
  new GenAiDeployLanguageModel(id, { provider: 'genai-deploy', client: platform.client });
const prompt = (text: string): LanguageModelV3CallOptions['prompt'] => [
  { role: 'user', content: [{ type: 'text', text }] },
];
const weather: LanguageModelV3CallOptions['tools'] = [
  {
    type: 'function',
    name: 'get_weather',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];

/** The part types with consecutive deltas collapsed, so the sequence reads as the contract does. */
const shape = (parts: LanguageModelV3StreamPart[]) =>
  parts.map((p) => p.type).filter((t, i, all) => !(t.endsWith('-delta') && all[i - 1] === t));

describe.each(Object.entries(CHAT))('%s', (_provider, id) => {
  it('a text stream: stream-start, one text block, response metadata, finish', async () => {
    const { stream } = await model(id).doStream({ prompt: prompt('Tell me about the sea.') });
    const parts = await convertReadableStreamToArray(stream);
    expect(shape(parts)).toEqual([
      'stream-start',
      'text-start',
      'text-delta',
      'text-end',
      'response-metadata',
      'finish',
    ]);
    const finish = parts.at(-1);
    expect(finish?.type === 'finish' && finish.finishReason).toEqual({ unified: 'stop', raw: 'stop' });
    expect(finish?.type === 'finish' && finish.usage.outputTokens.total).toBeGreaterThan(0);
  });

  it('a streamed tool call: input start, deltas and end under the call’s id, then the call with the same input', async () => {
    const { stream } = await model(id).doStream({
      prompt: prompt('Weather in Paris?'),
      tools: weather,
      toolChoice: { type: 'required' },
    });
    const parts = await convertReadableStreamToArray(stream);
    expect(shape(parts)).toEqual([
      'stream-start',
      'tool-input-start',
      'tool-input-delta',
      'tool-input-end',
      'tool-call',
      'response-metadata',
      'finish',
    ]);
    const call = parts.find((p) => p.type === 'tool-call');
    const input = parts.map((p) => (p.type === 'tool-input-delta' ? p.delta : '')).join('');
    expect(call?.type === 'tool-call' && call.input).toBe(input);
    const ids = new Set(parts.flatMap((p) => (p.type.startsWith('tool-input') && 'id' in p ? [p.id] : [])));
    expect(ids).toEqual(new Set([call?.type === 'tool-call' && call.toolCallId]));
  });
});

describe('failures', () => {
  it('before the first part, doStream rejects (so the SDK can retry the call); doGenerate alike', async () => {
    platform.emulator.setFaults([{ provider: 'azure', status: 503 }]);
    await expect(model(CHAT.azure).doStream({ prompt: prompt('hi') })).rejects.toSatisfy(
      (e) => APICallError.isInstance(e) && e.isRetryable && e.statusCode === 503,
    );
    await expect(model(CHAT.azure).doGenerate({ prompt: prompt('hi') })).rejects.toSatisfy(
      APICallError.isInstance,
    );
  });

  it('after the first part, the stream ends with an error part carrying the mapped error', async () => {
    platform.emulator.setFaults([{ provider: 'azure', kind: 'stream-error', afterChunks: 3 }]);
    const { stream } = await model(CHAT.azure).doStream({ prompt: prompt('Tell me about rivers.') });
    const parts = await convertReadableStreamToArray(stream);
    const last = parts.at(-1);
    expect(parts.some((p) => p.type === 'text-delta')).toBe(true);
    expect(last?.type).toBe('error');
    expect(last?.type === 'error' && APICallError.isInstance(last.error)).toBe(true);
    expect(last?.type === 'error' && (last.error as APICallError).data).toMatchObject({ kind: 'mid-stream' });
  });
});
