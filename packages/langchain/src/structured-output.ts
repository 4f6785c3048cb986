/**
 * withStructuredOutput for ChatGenAiDeploy. `jsonSchema` (the default) asks the client for a JSON Schema
 * response format, which every provider behind it honours (natively, or Bedrock's Claude 3.x through a forced
 * tool) and which the client checks before answering; `functionCalling` forces one tool whose arguments are the
 * output; `jsonMode` asks for any JSON object. Zod schemas are validated again by LangChain's parsers.
 */
import type {
  BaseLanguageModelInput,
  StructuredOutputMethodOptions,
} from '@langchain/core/language_models/base';
import {
  assembleStructuredOutputPipeline,
  createContentParser,
  createFunctionCallingParser,
} from '@langchain/core/language_models/structured_output';
import type { BaseMessage } from '@langchain/core/messages';
import type { Runnable } from '@langchain/core/runnables';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { isSerializableSchema, type SerializableSchema } from '@langchain/core/utils/standard_schema';
import { getSchemaDescription, type InteropZodType, isInteropZodSchema } from '@langchain/core/utils/types';
import type { ChatGenAiDeployCallOptions } from './chat-options.js';

/** What structured output needs of the model: binding call options (ChatGenAiDeploy, without importing it). */
export interface ConfigurableChatModel {
  withConfig(
    config: Partial<ChatGenAiDeployCallOptions> & { ls_structured_output_format?: unknown },
  ): Runnable<BaseLanguageModelInput, BaseMessage>;
}

const METHODS = ['jsonSchema', 'functionCalling', 'jsonMode'] as const;

export function structuredOutput<RunOutput extends Record<string, unknown>>(
  model: ConfigurableChatModel,
  schema: InteropZodType<RunOutput> | SerializableSchema<RunOutput> | Record<string, unknown>,
  config?: StructuredOutputMethodOptions<boolean>,
):
  | Runnable<BaseLanguageModelInput, RunOutput>
  | Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }> {
  const method = config?.method ?? 'jsonSchema';
  if (!(METHODS as readonly string[]).includes(method)) {
    throw new Error(
      `ChatGenAiDeploy.withStructuredOutput: method "${method}" is not one of ${METHODS.join(', ')}`,
    );
  }
  const isZod = isInteropZodSchema(schema);
  const typed = isZod || isSerializableSchema(schema);
  const plain = schema as Record<string, unknown>;
  const asJsonSchema = (typed ? toJsonSchema(schema as Parameters<typeof toJsonSchema>[0]) : plain) as Record<
    string,
    unknown
  >;
  // A JSON schema given as `{ name, parameters }` (OpenAI function format) names itself.
  const named = !typed && typeof plain.name === 'string' && typeof plain.parameters === 'object';
  const parameters = named ? (plain.parameters as Record<string, unknown>) : asJsonSchema;
  const name =
    config?.name ??
    (named ? (plain.name as string) : (asJsonSchema.title as string | undefined)) ??
    'extract';
  const description =
    (named ? (plain.description as string | undefined) : undefined) ??
    (isZod ? getSchemaDescription(schema) : (asJsonSchema.description as string | undefined));
  const contentSchema = (named ? parameters : schema) as Parameters<typeof createContentParser<RunOutput>>[0];

  let llm: Runnable<BaseLanguageModelInput, BaseMessage>;
  let parser: Runnable<BaseMessage, RunOutput>;
  if (method === 'functionCalling') {
    llm = model.withConfig({
      tools: [{ type: 'function', function: { name, description: description ?? '', parameters } }],
      tool_choice: name,
      ...(config?.strict !== undefined && { strict: config.strict }),
      ls_structured_output_format: {
        kwargs: { method: 'function_calling' },
        schema: { title: name, ...parameters },
      },
    });
    parser = createFunctionCallingParser<RunOutput>(contentSchema, name) as unknown as Runnable<
      BaseMessage,
      RunOutput
    >;
  } else {
    llm = model.withConfig({
      response_format:
        method === 'jsonMode'
          ? { type: 'json' }
          : {
              type: 'json-schema',
              schema: parameters,
              name,
              ...(description !== undefined && { description }),
              ...(config?.strict !== undefined && { strict: config.strict }),
            },
      ls_structured_output_format: {
        kwargs: { method: method === 'jsonMode' ? 'json_mode' : 'json_schema' },
        schema: { title: name, ...parameters },
      },
    });
    parser = createContentParser<RunOutput>(contentSchema) as unknown as Runnable<BaseMessage, RunOutput>;
  }
  return assembleStructuredOutputPipeline<RunOutput>(llm, parser, config?.includeRaw);
}
