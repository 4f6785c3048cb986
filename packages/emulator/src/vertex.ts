import { randomUUID } from 'node:crypto';
import { complete, countTokens, embed } from './content.js';
import { type EmulatorContext, isObject, parseJson, type RoutedRequest, streamFault } from './context.js';
import type { Exchange } from './exchange.js';
import { awaitGeneration } from './generation.js';
import { pause } from './latency.js';
import { type ChatRequest, type OutputFormat, type Reply, replyTo, replyTokens } from './reply.js';
import type { FaultRule } from './types.js';
import { readContents, readOutput, readTools, VertexInvalid, type VertexTurns } from './vertex-content.js';
import {
  checkBearer,
  invalidArgument,
  sendVertexError,
  vertexError,
  vertexFaultError,
} from './vertex-errors.js';

/**
 * Vertex AI REST (what @google-cloud/aiplatform sends with `fallback: true`): generateContent,
 * streamGenerateContent (JSON array, or SSE with `alt=sse`), predict for publisher embedding models and
 * endpoints, rawPredict.
 */

const PUBLISHER =
  /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/([^/]+)\/models\/([^/:]+):(generateContent|streamGenerateContent|predict)$/;
const ENDPOINT =
  /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/endpoints\/([^/:]+):(predict|rawPredict)$/;

/** Embedding models: default dimension, instance limit per call. */
const EMBEDDING_MODELS: readonly (readonly [RegExp, { dimensions: number; maxInstances: number }])[] = [
  [/^gemini-embedding/, { dimensions: 3072, maxInstances: 1 }],
  [/^text-multilingual-embedding/, { dimensions: 768, maxInstances: 250 }],
  [/^text-embedding-large/, { dimensions: 3072, maxInstances: 250 }],
  [/embedding/, { dimensions: 768, maxInstances: 250 }],
];
export const VERTEX_MAX_TOKENS_PER_EMBED_REQUEST = 20_000;
export const VERTEX_MAX_TOKENS_PER_TEXT = 2048;
/** Dimension of embeddings from custom endpoints whose id contains "embed". */
export const VERTEX_ENDPOINT_EMBEDDING_DIMENSIONS = 768;

function maxOutputTokens(model: string): number {
  return /^gemini-(2\.5|3)/.test(model) ? 65_536 : 8192;
}

const FINISH_INT = { STOP: 1, MAX_TOKENS: 2 } as const;

/** A candidate's finishReason. With `$alt=json;enum-encoding=int` (the Node client's REST transport) enums go out as numbers. */
function finishReason(ex: Exchange, reply: Reply): string | number {
  // Gemini ends a function-call answer with STOP too.
  const name = reply.kind === 'text' && reply.answer.finish === 'length' ? 'MAX_TOKENS' : 'STOP';
  return (ex.query.get('$alt') ?? '').includes('enum-encoding=int') ? FINISH_INT[name] : name;
}

function responseId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 20);
}

function textOfParts(parts: unknown): string | undefined {
  if (!Array.isArray(parts)) return undefined;
  return parts.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : JSON.stringify(p))).join('');
}

function parseGenerate(ex: Exchange, model: string, asArray: boolean): ChatRequest | undefined {
  const fail = (message: string) => {
    invalidArgument(ex, message, asArray);
    return undefined;
  };
  if (/embedding/.test(model))
    return fail(`Model ${model} does not support generateContent; use predict for embedding models.`);
  const body = parseJson(ex.body);
  if (!isObject(body)) return fail('Invalid JSON payload received. Expected an object with "contents".');
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0)
    return fail(
      'Unable to submit request because it must include at least one parts field, which describes the prompt input. Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini',
    );
  const parts: string[] = [];
  let inputTokens = 0;
  if (body.systemInstruction !== undefined) {
    const system = isObject(body.systemInstruction) ? textOfParts(body.systemInstruction.parts) : undefined;
    if (system === undefined)
      return fail('Invalid value at \'system_instruction\': expected a Content with "parts".');
    parts.push(`system: ${system}`);
    inputTokens += countTokens(system);
  }
  const config = body.generationConfig ?? {};
  if (!isObject(config))
    return fail("Invalid value at 'generation_config': expected a GenerationConfig object.");
  const { temperature, topP, maxOutputTokens: maxTokens, stopSequences, candidateCount } = config;
  if (temperature !== undefined && !(typeof temperature === 'number' && temperature >= 0 && temperature <= 2))
    return fail(
      `Unable to submit request because it has a temperature value of ${temperature} but the supported range is from 0 (inclusive) to 2.0001 (exclusive). Update the value and try again.`,
    );
  if (topP !== undefined && !(typeof topP === 'number' && topP >= 0 && topP <= 1))
    return fail(
      `Unable to submit request because it has a topP value of ${topP} but the supported range is from 0 (inclusive) to 1.0001 (exclusive). Update the value and try again.`,
    );
  const limit = maxOutputTokens(model);
  if (
    maxTokens !== undefined &&
    !(Number.isInteger(maxTokens) && (maxTokens as number) >= 1 && (maxTokens as number) <= limit)
  )
    return fail(
      `Unable to submit request because it has a maxOutputTokens value of ${maxTokens} but the supported range is from 1 (inclusive) to ${limit + 1} (exclusive). Update the value and try again.`,
    );
  if (
    stopSequences !== undefined &&
    !(Array.isArray(stopSequences) && stopSequences.every((s) => typeof s === 'string'))
  )
    return fail("Invalid value at 'generation_config.stop_sequences': expected a list of strings.");
  if (Array.isArray(stopSequences) && stopSequences.length > 5)
    return fail(
      `Unable to submit request because it has ${stopSequences.length} stop sequences but the maximum is 5. Remove some and try again.`,
    );
  if (candidateCount !== undefined && candidateCount !== 1)
    return fail(
      `Unable to submit request because candidateCount ${candidateCount} is not supported by the emulator; use 1.`,
    );
  let turns: VertexTurns;
  let tools: ReturnType<typeof readTools>;
  let output: OutputFormat | undefined;
  try {
    tools = readTools(body.tools, body.toolConfig);
    turns = readContents(contents, tools?.use.tools.map((t) => t.name) ?? []);
    output = readOutput(config);
  } catch (error) {
    if (error instanceof VertexInvalid) return fail(error.message);
    throw error;
  }
  parts.push(...turns.parts);
  inputTokens += turns.inputTokens + (tools?.tokens ?? 0);
  if (inputTokens > 1_048_576)
    return fail(
      `Unable to submit request because the input token count is ${inputTokens} but model only supports up to 1048576. Reduce the input token count and try again.`,
    );
  return {
    prompt: parts.join('\n'),
    inputTokens,
    maxTokens: maxTokens as number | undefined,
    temperature: temperature as number | undefined,
    topP: topP as number | undefined,
    stop: (stopSequences as string[] | undefined) ?? [],
    lastUserText: turns.lastUserText,
    toolResults: turns.toolResults,
    images: turns.images,
    ...(tools ? { tools: tools.use } : {}),
    ...(output ? { output } : {}),
  };
}

function usage(inputTokens: number, outputTokens: number) {
  return {
    promptTokenCount: inputTokens,
    candidatesTokenCount: outputTokens,
    totalTokenCount: inputTokens + outputTokens,
  };
}

/**
 * Candidate parts per chunk: one word (or JSON fragment) per chunk for text; every functionCall in one chunk, as
 * Gemini sends them (without ids: Gemini 2.x omits them, clients assign their own).
 */
function chunkParts(reply: Reply): Record<string, unknown>[][] {
  if (reply.kind === 'tools')
    return [reply.calls.map((c) => ({ functionCall: { name: c.name, args: c.args } }))];
  return reply.answer.pieces.map((text) => [{ text }]);
}

async function generateContent(ex: Exchange, ctx: EmulatorContext, model: string): Promise<void> {
  const input = parseGenerate(ex, model, false);
  if (!input) return;
  const reply = replyTo(input);
  const outputTokens = replyTokens(reply);
  await awaitGeneration(ex, ctx, input.inputTokens, outputTokens);
  ex.json(200, {
    candidates: [
      {
        content: {
          role: 'model',
          parts: reply.kind === 'text' ? [{ text: reply.answer.text }] : chunkParts(reply)[0],
        },
        finishReason: finishReason(ex, reply),
      },
    ],
    usageMetadata: usage(input.inputTokens, outputTokens),
    modelVersion: model,
    createTime: new Date().toISOString(),
    responseId: responseId(),
  });
}

async function streamGenerateContent(
  ex: Exchange,
  ctx: EmulatorContext,
  model: string,
  fault: FaultRule | undefined,
): Promise<void> {
  const sse = ex.query.get('alt') === 'sse';
  const input = parseGenerate(ex, model, !sse);
  if (!input) return;
  const reply = replyTo(input);
  const id = responseId();
  const createTime = new Date().toISOString();
  const done = ctx.latency.beginGeneration();
  let first = true;
  // JSON array framing ("[{...}\r\n,{...}]") unless the caller asked for server-sent events.
  const emit = async (payload: unknown) => {
    const json = JSON.stringify(payload);
    await ex.write(sse ? `data: ${json}\r\n\r\n` : `${first ? '[' : '\r\n,'}${json}`);
    first = false;
  };
  try {
    await pause(ctx.latency.firstTokenMs(input.inputTokens), ex);
    ex.startStream(200, { 'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8' });
    const chunks = chunkParts(reply);
    for (let i = 0; i < Math.max(1, chunks.length); i++) {
      const action = streamFault(
        fault,
        i,
        i >= chunks.length - 1 && (fault?.afterChunks ?? 0) >= chunks.length,
      );
      if (action === 'cut') return ex.cut();
      if (action === 'error') {
        const err = vertexFaultError({ errorType: 'INTERNAL', ...fault, kind: 'error' });
        await emit(err.body);
        if (!sse) await ex.write(']');
        return ex.end();
      }
      if (ex.gone) return;
      if (i > 0) await pause(ctx.latency.tokenMs(), ex);
      const last = i >= chunks.length - 1;
      const candidate: Record<string, unknown> = {
        content: { role: 'model', parts: chunks[i] ?? [{ text: '' }] },
      };
      if (last) candidate.finishReason = finishReason(ex, reply);
      const chunk: Record<string, unknown> = {
        candidates: [candidate],
        modelVersion: model,
        createTime,
        responseId: id,
      };
      if (last) chunk.usageMetadata = usage(input.inputTokens, replyTokens(reply));
      await emit(chunk);
    }
    if (!sse) await ex.write(']');
    ex.end();
  } finally {
    done();
  }
}

interface Instance {
  readonly content: string;
  readonly taskType: string | undefined;
}

function embeddingModel(model: string) {
  return EMBEDDING_MODELS.find(([re]) => re.test(model))?.[1];
}

/** Publisher embeddings predict: `{ instances: [{ content, task_type?, title? }], parameters: { outputDimensionality?, autoTruncate? } }`. */
async function embedPredict(
  ex: Exchange,
  ctx: EmulatorContext,
  model: string,
  operation: string,
  spec: { dimensions: number; maxInstances: number },
  asHttpBody = false,
): Promise<void> {
  const body = parseJson(ex.body);
  if (!isObject(body) || !Array.isArray(body.instances) || body.instances.length === 0)
    return invalidArgument(
      ex,
      'Invalid request: "instances" must be a non-empty list of { "content": string }.',
    );
  const instances: Instance[] = [];
  for (let i = 0; i < body.instances.length; i++) {
    const inst: unknown = body.instances[i];
    if (!isObject(inst) || typeof inst.content !== 'string')
      return invalidArgument(
        ex,
        `Invalid instance at instances[${i}]: expected { "content": string }, received ${JSON.stringify(inst)?.slice(0, 100)}.`,
      );
    const taskType = inst.task_type ?? inst.taskType;
    instances.push({ content: inst.content, taskType: typeof taskType === 'string' ? taskType : undefined });
  }
  if (instances.length > spec.maxInstances)
    return invalidArgument(
      ex,
      `Unable to submit request because it has a batchSize value of ${instances.length} but the supported range is from 1 (inclusive) to ${spec.maxInstances + 1} (exclusive). Update the value and try again.`,
    );
  const params = isObject(body.parameters) ? body.parameters : {};
  const dims = params.outputDimensionality ?? params.output_dimensionality ?? spec.dimensions;
  if (!Number.isInteger(dims) || (dims as number) < 1 || (dims as number) > spec.dimensions)
    return invalidArgument(
      ex,
      `Invalid outputDimensionality ${JSON.stringify(dims)}: the model ${model} supports 1 to ${spec.dimensions}.`,
    );
  const autoTruncate = params.autoTruncate ?? params.auto_truncate ?? true;
  let total = 0;
  const tokens = instances.map((inst) => countTokens(inst.content));
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]! > VERTEX_MAX_TOKENS_PER_TEXT && autoTruncate === false)
      return invalidArgument(
        ex,
        `Unable to submit request because the input at instances[${i}] has ${tokens[i]} tokens but the model supports up to ${VERTEX_MAX_TOKENS_PER_TEXT}. Set autoTruncate to true or shorten the input.`,
      );
    total += Math.min(tokens[i]!, VERTEX_MAX_TOKENS_PER_TEXT);
  }
  if (total > VERTEX_MAX_TOKENS_PER_EMBED_REQUEST)
    return invalidArgument(
      ex,
      `Unable to submit request because the input token count is ${total} but the model supports up to ${VERTEX_MAX_TOKENS_PER_EMBED_REQUEST} per request. Send fewer instances per request and try again.`,
    );
  await pause(ctx.latency.embeddingDelayMs(`vertex/${model}`, instances.length), ex);
  ctx.stats.embedded(operation, instances.length);
  const predictions = instances.map((inst, i) => ({
    embeddings: {
      values: embed(`${inst.taskType ?? ''}\u0000${inst.content}`, dims as number, model),
      statistics: {
        token_count: Math.min(tokens[i]!, VERTEX_MAX_TOKENS_PER_TEXT),
        truncated: tokens[i]! > VERTEX_MAX_TOKENS_PER_TEXT,
      },
    },
  }));
  const billableCharacterCount = instances.reduce(
    (sum, inst) => sum + inst.content.replace(/\s/g, '').length,
    0,
  );
  sendPrediction(ex, { predictions, metadata: { billableCharacterCount } }, asHttpBody);
}

/** rawPredict through the Node client arrives as `{ "httpBody": { contentType, data: base64 } }`; curl sends the raw payload. */
function rawPayload(ex: Exchange): { body: Buffer; wrapped: boolean } {
  const parsed = parseJson(ex.body);
  if (isObject(parsed) && isObject(parsed.httpBody) && typeof parsed.httpBody.data === 'string')
    return { body: Buffer.from(parsed.httpBody.data, 'base64'), wrapped: true };
  return { body: ex.body, wrapped: false };
}

function sendPrediction(ex: Exchange, payload: unknown, asHttpBody: boolean): void {
  if (asHttpBody) {
    // The Node client decodes rawPredict's reply as google.api.HttpBody.
    ex.json(200, {
      contentType: 'application/json',
      data: Buffer.from(JSON.stringify(payload)).toString('base64'),
    });
    return;
  }
  ex.json(200, payload);
}

/**
 * Custom endpoint predict, as a vLLM Model Garden container answers it:
 * `{ instances: [{ prompt, max_tokens?, temperature?, top_p? }] }` → `{ predictions: [text], deployedModelId, ... }`.
 */
async function endpointPredict(
  ex: Exchange,
  ctx: EmulatorContext,
  endpoint: string,
  operation: string,
  asHttpBody: boolean,
): Promise<void> {
  if (/embed/i.test(endpoint))
    return embedPredict(
      ex,
      ctx,
      endpoint,
      operation,
      { dimensions: VERTEX_ENDPOINT_EMBEDDING_DIMENSIONS, maxInstances: 250 },
      asHttpBody,
    );
  const body = parseJson(ex.body);
  if (!isObject(body) || !Array.isArray(body.instances) || body.instances.length === 0)
    return invalidArgument(
      ex,
      'Invalid request: "instances" must be a non-empty list of { "prompt": string, "max_tokens"?: number }.',
    );
  const prompts: {
    prompt: string;
    maxTokens: number | undefined;
    temperature: number | undefined;
    topP: number | undefined;
  }[] = [];
  for (let i = 0; i < body.instances.length; i++) {
    const inst: unknown = body.instances[i];
    if (!isObject(inst) || typeof inst.prompt !== 'string')
      return invalidArgument(
        ex,
        `Invalid instance at instances[${i}]: expected { "prompt": string }, received ${JSON.stringify(inst)?.slice(0, 100)}.`,
      );
    if (
      inst.max_tokens !== undefined &&
      !(Number.isInteger(inst.max_tokens) && (inst.max_tokens as number) >= 1)
    )
      return invalidArgument(
        ex,
        `Invalid instances[${i}].max_tokens ${JSON.stringify(inst.max_tokens)}: expected an integer >= 1.`,
      );
    if (inst.temperature !== undefined && !(typeof inst.temperature === 'number' && inst.temperature >= 0))
      return invalidArgument(
        ex,
        `Invalid instances[${i}].temperature ${JSON.stringify(inst.temperature)}: expected a number >= 0.`,
      );
    prompts.push({
      prompt: inst.prompt,
      maxTokens: inst.max_tokens as number | undefined,
      temperature: inst.temperature as number | undefined,
      topP: inst.top_p as number | undefined,
    });
  }
  const answers = prompts.map((p) =>
    complete(`user: ${p.prompt}`, { temperature: p.temperature, topP: p.topP }, p.maxTokens),
  );
  await awaitGeneration(
    ex,
    ctx,
    prompts.reduce((sum, p) => sum + countTokens(p.prompt), 0),
    Math.max(...answers.map((a) => a.words.length)),
  );
  sendPrediction(
    ex,
    {
      predictions: answers.map((a) => a.text),
      deployedModelId: '1000000000000000000',
      model: `projects/000000000000/locations/us-central1/models/${endpoint}-model`,
      modelDisplayName: `${endpoint}-model`,
      modelVersionId: '1',
    },
    asHttpBody,
  );
}

export function routeVertex(ex: Exchange): RoutedRequest | undefined {
  if (ex.method !== 'POST') return undefined;
  const pub = PUBLISHER.exec(ex.path);
  if (pub) {
    const model = decodeURIComponent(pub[5]!);
    const method = pub[6] as 'generateContent' | 'streamGenerateContent' | 'predict';
    const operation = `vertex.${method}`;
    const streaming = method === 'streamGenerateContent';
    return {
      provider: 'vertex',
      operation,
      model,
      streaming,
      authenticate: checkBearer,
      sendFault: (e, rule) =>
        sendVertexError(e, vertexFaultError(rule), streaming && e.query.get('alt') !== 'sse'),
      handle: async (e, ctx, fault) => {
        if (method === 'generateContent') return generateContent(e, ctx, model);
        if (method === 'streamGenerateContent') return streamGenerateContent(e, ctx, model, fault);
        const spec = embeddingModel(model);
        if (!spec)
          return sendVertexError(
            e,
            vertexError(
              'FAILED_PRECONDITION',
              `Model ${model} does not support predict; the emulator serves predict for embedding models (text-embedding-005, text-multilingual-embedding-002, gemini-embedding-001).`,
            ),
          );
        return embedPredict(e, ctx, model, operation, spec);
      },
    };
  }
  const end = ENDPOINT.exec(ex.path);
  if (end) {
    const endpoint = decodeURIComponent(end[4]!);
    const method = end[5] as 'predict' | 'rawPredict';
    const operation = `vertex.${method}`;
    return {
      provider: 'vertex',
      operation,
      model: endpoint,
      streaming: false,
      authenticate: checkBearer,
      sendFault: (e, rule) => sendVertexError(e, vertexFaultError(rule)),
      handle: async (e, ctx) => {
        let asHttpBody = false;
        if (method === 'rawPredict') {
          const { body, wrapped } = rawPayload(e);
          e.body = body;
          asHttpBody = wrapped;
        }
        return endpointPredict(e, ctx, endpoint, operation, asHttpBody);
      },
    };
  }
  return undefined;
}
