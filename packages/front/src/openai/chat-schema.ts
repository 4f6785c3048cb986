import { z } from 'zod';

/**
 * OpenAI's chat completion request as this gateway honours it (OpenAI's API reference,
 * `CreateChatCompletionRequest`). What OpenAI defines and we do not honour is refused with 400
 * `unsupported_parameter` naming the field (see UNSUPPORTED in chat-request.ts); nothing is dropped.
 */

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z.string().min(1, 'expected a data: URL (data:image/png;base64,...) or an allowed https URL'),
    /** OpenAI's vision detail hint; the providers we serve have no equivalent, so it changes nothing. */
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });

const partsError = (allowed: string) => ({
  error: (issue: { input?: unknown }) => {
    const type = (issue.input as { type?: unknown } | undefined)?.type;
    return typeof type === 'string'
      ? `content parts of type "${type}" are not supported here; expected ${allowed}`
      : `expected ${allowed}`;
  },
});

const userContent = z.union([
  z.string(),
  z
    .array(z.discriminatedUnion('type', [textPart, imagePart], partsError('"text" or "image_url" parts')))
    .min(1, 'expected at least one content part'),
]);
const textContent = z.union([
  z.string(),
  z.array(textPart, partsError('"text" parts')).min(1, 'expected at least one content part'),
]);

const toolCall = z.object({
  id: z.string().min(1, 'expected the tool call id the model gave'),
  type: z.literal('function', 'expected "function" (the only tool type)'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const systemMessage = z.object({
  role: z.enum(['system', 'developer']),
  content: textContent,
  name: z.string().optional(),
});
const userMessage = z.object({ role: z.literal('user'), content: userContent, name: z.string().optional() });
const assistantMessage = z.object({
  role: z.literal('assistant'),
  content: z.union([textContent, z.array(z.union([textPart, refusalPart])), z.null()]).optional(),
  tool_calls: z.array(toolCall).optional(),
  refusal: z.string().nullish(),
  name: z.string().optional(),
});
const toolMessage = z.object({
  role: z.literal('tool'),
  tool_call_id: z.string().min(1, 'expected the id of the tool call this message answers'),
  content: textContent,
});

const message = z.discriminatedUnion('role', [systemMessage, userMessage, assistantMessage, toolMessage], {
  error: (issue) => {
    const role = (issue.input as { role?: unknown } | undefined)?.role;
    return role === 'function'
      ? '"function" messages (deprecated by OpenAI) are not supported; send tool results as { "role": "tool", "tool_call_id", "content" }'
      : 'expected a role of "system", "developer", "user", "assistant" or "tool"';
  },
});

/** Tool and function names: the strictest rule of the providers behind the gateway. */
const toolName = z
  .string()
  .regex(
    /^[a-zA-Z0-9_-]{1,64}$/,
    'expected 1 to 64 letters, digits, "_" or "-" (the providers\' common rule)',
  );

const jsonSchema = z.record(z.string(), z.unknown(), { error: 'expected a JSON Schema object' });

const tool = z.object({
  type: z.literal('function', 'expected "function" (the only tool type this gateway serves)'),
  function: z.object({
    name: toolName,
    description: z.string().optional(),
    parameters: jsonSchema.optional(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union(
  [
    z.enum(['none', 'auto', 'required']),
    z.object({ type: z.literal('function'), function: z.object({ name: toolName }) }),
  ],
  { error: 'expected "none", "auto", "required" or { "type": "function", "function": { "name" } }' },
);

const responseFormat = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('text') }),
    z.object({ type: z.literal('json_object') }),
    z.object({
      type: z.literal('json_schema'),
      json_schema: z.object({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected 1 to 64 letters, digits, "_" or "-"'),
        description: z.string().optional(),
        schema: jsonSchema.optional(),
        strict: z.boolean().nullish(),
      }),
    }),
  ],
  {
    error:
      'expected { "type": "text" }, { "type": "json_object" } or { "type": "json_schema", "json_schema": {...} }',
  },
);

/** The chat request fields this gateway honours (others are refused before this schema runs). */
export const chatRequestSchema = z.object({
  model: z.string().min(1, 'expected a model name: "<provider>/<model>" or a route from GET /v1/models'),
  messages: z.array(message).min(1, 'expected at least one message'),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4, 'expected at most 4 stop sequences')]).nullish(),
  n: z.literal(1, 'only n = 1 is supported').nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  tools: z.array(tool).max(128, 'expected at most 128 tools').nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormat.nullish(),
  logprobs: z.literal(false, 'logprobs are not supported by this gateway').nullish(),
  /** Accepted and unused: they change nothing in the answer (documented in the README). */
  user: z.string().max(256).nullish(),
  safety_identifier: z.string().max(256).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  store: z.boolean().nullish(),
});

export type ChatRequest = z.output<typeof chatRequestSchema>;
export type ChatMessage = ChatRequest['messages'][number];
