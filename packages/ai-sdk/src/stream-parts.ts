/**
 * The client's stream events as LanguageModelV3 stream parts: text deltas between `text-start` and `text-end`,
 * each tool call as `tool-input-start` / `-delta` / `-end` then the complete `tool-call`, and `finish` last.
 */
import type { LanguageModelV3StreamPart, SharedV3Warning } from '@ai-sdk/provider';
import type { StreamEvent } from '@genai-deploy/client';
import { mapError } from './map-error.js';
import { finishReason, providerMetadata, usage } from './results.js';

const TEXT_ID = 'text-0';

export interface StreamSource {
  /** The client's stream, its first event already read (so a failure before it rejected doStream). */
  readonly events: AsyncGenerator<StreamEvent, void, undefined>;
  readonly first: IteratorResult<StreamEvent, void>;
  readonly warnings: SharedV3Warning[];
  readonly modelId: string;
  readonly requestBody: unknown;
  readonly signal?: AbortSignal;
}

export function toStreamParts(source: StreamSource): ReadableStream<LanguageModelV3StreamPart> {
  const { events } = source;
  let pending: IteratorResult<StreamEvent, void> | undefined = source.first;
  let textOpen = false;
  // Tool-call ids by the client's index: later deltas of a call carry only the index.
  const callIds = new Map<number, string>();
  return new ReadableStream<LanguageModelV3StreamPart>({
    start(controller) {
      controller.enqueue({ type: 'stream-start', warnings: source.warnings });
    },
    async pull(controller) {
      try {
        const next = pending ?? (await events.next());
        pending = undefined;
        if (next.done) {
          controller.close();
          return;
        }
        const event = next.value;
        switch (event.type) {
          case 'delta':
            if (!textOpen) controller.enqueue({ type: 'text-start', id: TEXT_ID });
            textOpen = true;
            controller.enqueue({ type: 'text-delta', id: TEXT_ID, delta: event.text });
            break;
          case 'tool-call-delta': {
            let id = callIds.get(event.index);
            if (id === undefined) {
              id = event.id ?? `call-${event.index}`;
              callIds.set(event.index, id);
              controller.enqueue({ type: 'tool-input-start', id, toolName: event.name ?? '' });
            }
            if (event.argumentsDelta)
              controller.enqueue({ type: 'tool-input-delta', id, delta: event.argumentsDelta });
            break;
          }
          case 'tool-call': {
            const { toolCall } = event;
            const inputId = callIds.get(event.index);
            if (inputId === undefined) {
              // A call replayed from the cache may arrive whole: give it its input events all the same.
              controller.enqueue({ type: 'tool-input-start', id: toolCall.id, toolName: toolCall.name });
              controller.enqueue({
                type: 'tool-input-delta',
                id: toolCall.id,
                delta: toolCall.argumentsText,
              });
            }
            controller.enqueue({ type: 'tool-input-end', id: inputId ?? toolCall.id });
            controller.enqueue({
              type: 'tool-call',
              toolCallId: toolCall.id,
              toolName: toolCall.name,
              input: toolCall.argumentsText,
            });
            break;
          }
          case 'finish':
            if (textOpen) controller.enqueue({ type: 'text-end', id: TEXT_ID });
            textOpen = false;
            controller.enqueue({ type: 'response-metadata', modelId: `${event.provider}/${event.model}` });
            controller.enqueue({
              type: 'finish',
              finishReason: finishReason(event.finishReason),
              usage: usage(event.usage),
              providerMetadata: providerMetadata(event),
            });
            break;
        }
      } catch (error) {
        // An abort errors the stream with the signal's reason (streamText then ends with an `abort` part); any
        // other failure after the first event is an `error` part, as the SDK's HTTP providers report them.
        const mapped = mapError(error, source.modelId, source.requestBody, source.signal);
        if (source.signal?.aborted) controller.error(mapped);
        else {
          controller.enqueue({ type: 'error', error: mapped });
          controller.close();
        }
      }
    },
    async cancel() {
      // Stopping the client's generator aborts the upstream request.
      await events.return(undefined);
    },
  });
}
