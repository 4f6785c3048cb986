import { UnsupportedFunctionalityError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { convertPrompt } from './convert-prompt.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

describe('convertPrompt', () => {
  it('joins system messages, keeps text-only user content as a string, pairs tool calls with results', () => {
    const { system, messages, warnings } = convertPrompt([
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: 'Answer in English.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather in ' },
          { type: 'text', text: 'Oslo?' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'I should call the tool' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool-call', toolCallId: 'c2', toolName: 'get_time', input: { tz: 'CET' } },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'c1',
            toolName: 'get_weather',
            output: { type: 'json', value: { t: -3 } },
          },
          {
            type: 'tool-result',
            toolCallId: 'c2',
            toolName: 'get_time',
            output: { type: 'execution-denied', reason: 'not approved' },
          },
        ],
      },
    ]);
    expect(system).toBe('Be brief.\n\nAnswer in English.');
    expect(messages).toEqual([
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [
          { id: 'c1', name: 'get_weather', argumentsText: '{"city":"Oslo"}', arguments: { city: 'Oslo' } },
          { id: 'c2', name: 'get_time', argumentsText: '{"tz":"CET"}', arguments: { tz: 'CET' } },
        ],
      },
      { role: 'tool', toolCallId: 'c1', content: '{"t":-3}' },
      { role: 'tool', toolCallId: 'c2', content: 'The tool call was denied: not approved' },
    ]);
    // The dropped reasoning is reported, not silent.
    expect(warnings).toEqual([
      expect.objectContaining({ type: 'unsupported', feature: 'reasoning parts in the prompt' }),
    ]);
  });

  it('images from bytes, base64 and data: URLs; image/* is sniffed from the bytes', () => {
    const { messages } = convertPrompt([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare' },
          { type: 'file', mediaType: 'image/png', data: new Uint8Array(PNG) },
          { type: 'file', mediaType: 'image/*', data: PNG.toString('base64') },
          {
            type: 'file',
            mediaType: 'image/png',
            data: new URL(`data:image/png;base64,${PNG.toString('base64')}`),
          },
        ],
      },
    ]);
    const image = { type: 'image', mediaType: 'image/png', data: PNG.toString('base64') };
    expect(messages[0]).toEqual({
      role: 'user',
      content: [{ type: 'text', text: 'Compare' }, image, image, image],
    });
  });

  it('refuses what the client cannot send, saying what to do instead', () => {
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(UnsupportedFunctionalityError.isInstance(e)).toBe(true);
        return (e as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(
      refused(() =>
        convertPrompt([
          { role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=' }] },
        ]),
      ),
    ).toMatch(/application\/pdf.*images of type image\/png/);
    expect(
      refused(() =>
        convertPrompt([
          {
            role: 'user',
            content: [{ type: 'file', mediaType: 'image/png', data: new URL('https://x.test/a.png') }],
          },
        ]),
      ),
    ).toMatch(/inline only/);
  });
});
