/**
 * ChatGenAiDeploy: a LangChain chat model over a GenAiClient, built as the @langchain partner packages are
 * (ChatOpenAI's shapes): `bindTools`, `withStructuredOutput`, streaming with tool_call_chunks, callbacks,
 * usage_metadata and response_metadata. The client's retries, fallbacks, cache and limits run underneath; the
 * model never retries itself (LangChain's `maxRetries` is not used), so one call is one client call.
 */

import type { GenAiClient, GenerateRequest, ToolDefinition } from '@genai-deploy/client';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type {
  BaseLanguageModelInput,
  StructuredOutputMethodOptions,
} from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BindToolsInput,
  type LangSmithParams,
} from '@langchain/core/language_models/chat_models';
import type { AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import type { ChatGenerationChunk, ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import type { SerializableSchema } from '@langchain/core/utils/standard_schema';
import type { InteropZodType } from '@langchain/core/utils/types';
import type {
  ChatGenAiDeployCallOptions,
  ChatGenAiDeployInput,
  GenAiDeployRequestFields,
} from './chat-options.js';
import { chatResult, streamChunk } from './chat-results.js';
import { convertMessages } from './convert-messages.js';
import { convertTool, convertToolChoice } from './convert-tools.js';
import { mapError } from './map-error.js';
import { structuredOutput } from './structured-output.js';

export class ChatGenAiDeploy extends BaseChatModel<ChatGenAiDeployCallOptions, AIMessageChunk> {
  static override lc_name(): string {
    return 'ChatGenAiDeploy';
  }
  override lc_namespace = ['genai_deploy', 'chat_models'];

  readonly client: GenAiClient;
  readonly model: string;
  /** The request fields set on the model, as the client names them. */
  readonly fields: Partial<GenerateRequest>;
  readonly stop?: string[];
  readonly streaming: boolean;

  constructor(fields: ChatGenAiDeployInput) {
    super(fields);
    if (!fields?.client || typeof fields.client.generate !== 'function') {
      throw new TypeError(
        'ChatGenAiDeploy: `client` must be a GenAiClient (createClient from @genai-deploy/client)',
      );
    }
    if (typeof fields.model !== 'string' || fields.model.length === 0) {
      throw new TypeError(
        `ChatGenAiDeploy: \`model\` must be a model address or route name, e.g. 'vertex/gemini-2.0-flash'; got ${JSON.stringify(fields.model)}`,
      );
    }
    const { client, model, stop, streaming, ...rest } = fields;
    this.client = client;
    this.model = model;
    if (stop) this.stop = stop;
    this.streaming = streaming ?? false;
    this.fields = pickRequestFields(rest);
  }

  _llmType(): string {
    return 'genai-deploy';
  }

  override getLsParams(options: this['ParsedCallOptions']): LangSmithParams {
    const params = this.invocationParams(options);
    return {
      ls_provider: 'genai-deploy',
      ls_model_name: this.model,
      ls_model_type: 'chat',
      ...(params.temperature !== undefined && { ls_temperature: params.temperature }),
      ...(params.maxTokens !== undefined && { ls_max_tokens: params.maxTokens }),
      ...(params.stop !== undefined && { ls_stop: [...params.stop] }),
    };
  }

  /** The client request for these options, without the messages and the signal (this also goes to tracing). */
  override invocationParams(
    options?: this['ParsedCallOptions'],
  ): Omit<GenerateRequest, 'messages' | 'system' | 'signal'> {
    const perCall = pickRequestFields(options ?? {});
    const tools: ToolDefinition[] | undefined = options?.tools?.map((t) => convertTool(t, options.strict));
    const stop = options?.stop ?? this.stop;
    return {
      model: this.model,
      ...this.fields,
      ...perCall,
      ...(stop && stop.length > 0 && { stop }),
      ...(tools && tools.length > 0 && { tools }),
      ...(tools &&
        options?.tool_choice !== undefined && { toolChoice: convertToolChoice(options.tool_choice) }),
      ...(options?.parallel_tool_calls !== undefined && { parallelToolCalls: options.parallel_tool_calls }),
      ...(options?.response_format && { responseFormat: options.response_format }),
    };
  }

  #request(messages: BaseMessage[], options: this['ParsedCallOptions']): GenerateRequest {
    return {
      ...this.invocationParams(options),
      ...convertMessages(messages),
      ...(options.signal && { signal: options.signal }),
    };
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<ChatGenAiDeployCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, ChatGenAiDeployCallOptions> {
    // Converted now so a tool the client cannot describe fails at bind time, not on the first call.
    for (const tool of tools) convertTool(tool);
    return this.withConfig({ tools, ...kwargs });
  }

  async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    if (this.streaming) {
      let aggregate: ChatGenerationChunk | undefined;
      for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
        aggregate = aggregate ? aggregate.concat(chunk) : chunk;
      }
      if (!aggregate) throw new Error('ChatGenAiDeploy: the stream ended without any event');
      return { generations: [aggregate] };
    }
    const request = this.#request(messages, options);
    try {
      return chatResult(await this.client.generate(request));
    } catch (error) {
      throw mapError(error, options.signal);
    }
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const request = this.#request(messages, options);
    let partial: ChatGenerationChunk | undefined;
    try {
      for await (const event of this.client.stream(request)) {
        const chunk = streamChunk(event);
        if (!chunk) continue;
        partial = partial ? partial.concat(chunk) : chunk;
        yield chunk;
        await runManager?.handleLLMNewToken(
          chunk.text,
          { prompt: 0, completion: 0 },
          undefined,
          undefined,
          undefined,
          {
            chunk,
          },
        );
      }
    } catch (error) {
      throw mapError(error, options.signal, partial?.message as AIMessageChunk | undefined);
    }
  }

  override withStructuredOutput<RunOutput extends AnyRecord = AnyRecord>(
    outputSchema: InteropZodType<RunOutput> | SerializableSchema<RunOutput> | AnyRecord,
    config?: StructuredOutputMethodOptions<false>,
  ): Runnable<BaseLanguageModelInput, RunOutput>;
  override withStructuredOutput<RunOutput extends AnyRecord = AnyRecord>(
    outputSchema: InteropZodType<RunOutput> | SerializableSchema<RunOutput> | AnyRecord,
    config?: StructuredOutputMethodOptions<true>,
  ): Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }>;
  override withStructuredOutput<RunOutput extends AnyRecord = AnyRecord>(
    outputSchema: InteropZodType<RunOutput> | SerializableSchema<RunOutput> | AnyRecord,
    config?: StructuredOutputMethodOptions<boolean>,
  ):
    | Runnable<BaseLanguageModelInput, RunOutput>
    | Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }> {
    return structuredOutput<RunOutput>(this, outputSchema, config);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: LangChain's signature (Record<string, any>), which an override must match
type AnyRecord = Record<string, any>;

const REQUEST_FIELDS = [
  'temperature',
  'maxTokens',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'clientCache',
  'deadlineMs',
  'providerOptions',
] as const satisfies readonly (keyof GenAiDeployRequestFields)[];

/** The request fields set in `source`, as the client's request names them. */
function pickRequestFields(source: GenAiDeployRequestFields): Partial<GenerateRequest> {
  const picked: Record<string, unknown> = {};
  for (const key of REQUEST_FIELDS) {
    if (source[key] !== undefined) picked[key === 'clientCache' ? 'cache' : key] = source[key];
  }
  return picked as Partial<GenerateRequest>;
}
