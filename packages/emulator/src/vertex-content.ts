import { countTokens, jsonTokens } from './content.js';
import { isObject } from './context.js';
import { decodeBase64, describeImage, geminiImageTokens } from './images.js';
import type { OutputFormat } from './reply.js';
import { declarationTokens, resultContent, type ToolChoice, type ToolSpec, type ToolUse } from './tools.js';

/**
 * The parts of a Gemini request beyond text, validated as Vertex AI validates them: function declarations and
 * the function-calling config, functionCall / functionResponse turns, inline images and other media, and the
 * response format (responseMimeType with responseSchema or responseJsonSchema).
 */

/** Inline images: at most 7 MB each, 3,000 per prompt; all inline data at most 20 MB per request. */
export const VERTEX_MAX_IMAGE_BYTES = 7 * 1024 * 1024;
export const VERTEX_MAX_INLINE_BYTES = 20 * 1024 * 1024;
export const VERTEX_MAX_IMAGES = 3000;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'];
const OTHER_MEDIA = /^(application\/pdf|text\/plain|audio\/[\w.+-]+|video\/[\w.+-]+)$/;
const FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/;
/** google.cloud.aiplatform.v1.FunctionCallingConfig.Mode, by name and by number (enum-encoding=int). */
const MODES: Readonly<Record<string, string>> = {
  0: 'AUTO',
  1: 'AUTO',
  2: 'ANY',
  3: 'NONE',
  5: 'VALIDATED',
  MODE_UNSPECIFIED: 'AUTO',
  AUTO: 'AUTO',
  ANY: 'ANY',
  NONE: 'NONE',
  VALIDATED: 'VALIDATED',
};

/** A problem to answer as INVALID_ARGUMENT. */
export class VertexInvalid extends Error {}

/** Function declarations and the calling config; undefined without declarations. */
export function readTools(tools: unknown, toolConfig: unknown): { use: ToolUse; tokens: number } | undefined {
  const specs: ToolSpec[] = [];
  if (tools !== undefined && !Array.isArray(tools))
    throw new VertexInvalid("Invalid value at 'tools': expected a list of Tool objects.");
  for (const [t, tool] of (tools ?? []).entries()) {
    const declarations = isObject(tool) ? tool.functionDeclarations : undefined;
    if (declarations === undefined) continue;
    if (!Array.isArray(declarations))
      throw new VertexInvalid(`Invalid value at 'tools[${t}].function_declarations': expected a list.`);
    for (const [d, decl] of declarations.entries()) {
      const at = `GenerateContentRequest.tools[${t}].function_declarations[${d}]`;
      const name = isObject(decl) ? decl.name : undefined;
      if (typeof name !== 'string' || !FUNCTION_NAME.test(name))
        throw new VertexInvalid(
          `* ${at}.name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:) or dashes (-), with a maximum length of 64. Received ${JSON.stringify(name)}.`,
        );
      const { parameters, parametersJsonSchema } = decl as Record<string, unknown>;
      if (parameters !== undefined && parametersJsonSchema !== undefined)
        throw new VertexInvalid(
          `* ${at}: parameters and parameters_json_schema cannot both be set; use one.`,
        );
      if (specs.some((s) => s.name === name))
        throw new VertexInvalid(
          `* ${at}.name: duplicate function declaration '${name}'; names must be unique.`,
        );
      specs.push({ name, schema: parameters ?? parametersJsonSchema ?? { type: 'object', properties: {} } });
    }
  }
  const config = isObject(toolConfig) ? toolConfig.functionCallingConfig : undefined;
  const rawMode = isObject(config) ? config.mode : undefined;
  const mode = rawMode === undefined ? 'AUTO' : MODES[String(rawMode)];
  if (mode === undefined)
    throw new VertexInvalid(
      `Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.cloud.aiplatform.v1.FunctionCallingConfig.Mode), ${JSON.stringify(rawMode)}`,
    );
  const allowed =
    isObject(config) && Array.isArray(config.allowedFunctionNames) ? config.allowedFunctionNames : [];
  if (allowed.length > 0 && mode !== 'ANY' && mode !== 'VALIDATED')
    throw new VertexInvalid(
      `Unable to submit request because allowedFunctionNames is set while function calling mode is ${mode}. allowedFunctionNames is only allowed with mode ANY (or VALIDATED): set the mode or remove the names.`,
    );
  for (const name of allowed)
    if (!specs.some((s) => s.name === name))
      throw new VertexInvalid(
        `Unable to submit request because allowedFunctionNames names ${JSON.stringify(name)}, which no function declaration declares (declared: ${specs.map((s) => s.name).join(', ') || 'none'}). Name declared functions only.`,
      );
  if (specs.length === 0) {
    if (mode === 'ANY')
      throw new VertexInvalid(
        'Unable to submit request because function calling mode is ANY but the request declares no functions. Add tools with functionDeclarations or change the mode.',
      );
    return undefined;
  }
  const choice: ToolChoice =
    mode === 'NONE'
      ? { mode: 'none' }
      : mode === 'ANY'
        ? { mode: 'any', allowed: allowed as string[] }
        : { mode: 'auto' };
  return { use: { tools: specs, choice }, tokens: declarationTokens(tools) };
}

/** The response format from generationConfig; undefined for plain text. */
export function readOutput(config: Record<string, unknown>): OutputFormat | undefined {
  const { responseMimeType: mime, responseSchema, responseJsonSchema } = config;
  if (mime !== undefined && !['text/plain', 'application/json', 'text/x.enum'].includes(mime as string))
    throw new VertexInvalid(
      `Unable to submit request because it has a responseMimeType of ${JSON.stringify(mime)}; supported: text/plain, application/json, text/x.enum.`,
    );
  if (responseSchema !== undefined && responseJsonSchema !== undefined)
    throw new VertexInvalid(
      'Unable to submit request because responseSchema and responseJsonSchema are both set; use one.',
    );
  const schema = responseSchema ?? responseJsonSchema;
  if (schema !== undefined && mime !== 'application/json' && mime !== 'text/x.enum')
    throw new VertexInvalid(
      `Unable to submit request because a response schema requires responseMimeType application/json (or text/x.enum); received ${JSON.stringify(mime ?? 'text/plain')}.`,
    );
  if (mime === 'text/x.enum') {
    if (!isObject(schema) || !Array.isArray(schema.enum) || schema.enum.length === 0)
      throw new VertexInvalid(
        'Unable to submit request because responseMimeType text/x.enum needs a responseSchema with an enum.',
      );
    return { kind: 'enum', values: schema.enum as string[] };
  }
  if (mime !== 'application/json') return undefined;
  return schema === undefined ? { kind: 'json-object' } : { kind: 'json-schema', schema };
}

export interface VertexTurns {
  readonly parts: string[];
  readonly inputTokens: number;
  readonly lastUserText: string;
  readonly toolResults: string[];
  readonly images: string[];
}

/** A functionResponse's `response` as text: a lone string field as it is, anything else as JSON. */
function responseText(response: unknown): string {
  if (isObject(response)) {
    const values = Object.values(response);
    if (values.length === 1 && typeof values[0] === 'string') return values[0];
  }
  return resultContent(response ?? {});
}

interface PartState {
  inlineBytes: number;
  imageCount: number;
}

/** One non-text part: its prompt line, its tokens, and what it adds to the turn (an image tag or a result). */
function readPart(
  part: Record<string, unknown>,
  at: string,
  declared: readonly string[],
  state: PartState,
): { line: string; tokens: number; image?: string; result?: string; call?: true } {
  if (isObject(part.inlineData)) {
    const { mimeType, data } = part.inlineData;
    const mime = typeof mimeType === 'string' ? mimeType.toLowerCase() : '';
    const bytes = typeof data === 'string' ? decodeBase64(data) : undefined;
    if (!IMAGE_TYPES.includes(mime) && !OTHER_MEDIA.test(mime))
      throw new VertexInvalid(
        `Unable to submit request because it has a mimeType parameter with value ${mime || '(none)'}, which is not supported. Update the mimeType and try again. Images: ${IMAGE_TYPES.join(', ')}.`,
      );
    if (!bytes || bytes.length === 0)
      throw new VertexInvalid(
        `Invalid value at '${at}.inline_data.data' (TYPE_BYTES), Base64 decoding failed.`,
      );
    state.inlineBytes += bytes.length;
    if (state.inlineBytes > VERTEX_MAX_INLINE_BYTES)
      throw new VertexInvalid(
        `Unable to submit request because the inline data adds up to more than 20 MB (${state.inlineBytes} bytes so far). Send large files through Cloud Storage (fileData) instead.`,
      );
    if (!IMAGE_TYPES.includes(mime)) return { line: `[${mime} ${bytes.length} bytes]`, tokens: 258 };
    if (bytes.length > VERTEX_MAX_IMAGE_BYTES)
      throw new VertexInvalid(
        `Unable to submit request because the image at ${at} is ${bytes.length} bytes; inline images must be at most 7 MB (${VERTEX_MAX_IMAGE_BYTES} bytes).`,
      );
    const image = describeImage(bytes);
    if (!image || `image/${image.format}` !== mime)
      throw new VertexInvalid(
        `Unable to process input image at ${at}: the data is ${image ? `image/${image.format}` : 'no known image format'} but mimeType says ${mime}. Send the image bytes with their mimeType.`,
      );
    if (++state.imageCount > VERTEX_MAX_IMAGES)
      throw new VertexInvalid(
        `Unable to submit request because it has more than ${VERTEX_MAX_IMAGES} images; the model accepts at most ${VERTEX_MAX_IMAGES} per prompt.`,
      );
    return { line: `[${image.tag}]`, tokens: geminiImageTokens(image), image: image.tag };
  }
  if (isObject(part.functionCall)) {
    const json = JSON.stringify(part.functionCall.args ?? {});
    return { line: `functionCall ${part.functionCall.name} ${json}`, tokens: jsonTokens(json), call: true };
  }
  if (isObject(part.functionResponse)) {
    const { name, response } = part.functionResponse;
    if (typeof name !== 'string' || !declared.includes(name))
      throw new VertexInvalid(
        `Unable to submit request because the function response at ${at} names ${JSON.stringify(name)}, which no function declaration in tools declares (declared: ${declared.join(', ') || 'none'}).`,
      );
    const text = responseText(response);
    return { line: `functionResponse ${name} ${text}`, tokens: countTokens(text), result: text };
  }
  // fileData, executable code...: they change the answer and count as one token each.
  return { line: JSON.stringify(part), tokens: 1 };
}

/** Reads `contents`: the prompt lines, the tokens, and what the last (user) turn sends. */
export function readContents(contents: readonly unknown[], declared: readonly string[]): VertexTurns {
  const turns = {
    parts: [] as string[],
    lastUserText: '',
    toolResults: [] as string[],
    images: [] as string[],
  };
  const state: PartState = { inlineBytes: 0, imageCount: 0 };
  let inputTokens = 0;
  let previousCalls = 0;
  for (let i = 0; i < contents.length; i++) {
    const c: unknown = contents[i];
    if (!isObject(c))
      throw new VertexInvalid(`Invalid value at 'contents[${i}]': expected a Content object.`);
    const role = c.role ?? 'user';
    if (role !== 'user' && role !== 'model' && role !== 'function')
      throw new VertexInvalid('Please use a valid role: user, model.');
    if (!Array.isArray(c.parts) || c.parts.length === 0)
      throw new VertexInvalid(
        'Unable to submit request because it must include at least one parts field, which describes the prompt input. Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini',
      );
    // Gemini calls the assistant "model"; the emulator hashes the same role names as the other providers.
    const who = role === 'model' ? 'assistant' : 'user';
    const texts: string[] = [];
    const images: string[] = [];
    const results: string[] = [];
    let calls = 0;
    for (let j = 0; j < c.parts.length; j++) {
      const part: unknown = c.parts[j];
      if (isObject(part) && typeof part.text === 'string') {
        turns.parts.push(`${who}: ${part.text}`);
        inputTokens += countTokens(part.text);
        texts.push(part.text);
        continue;
      }
      const read = readPart(isObject(part) ? part : {}, `contents[${i}].parts[${j}]`, declared, state);
      turns.parts.push(`${who}: ${read.line}`);
      inputTokens += read.tokens;
      if (read.image) images.push(read.image);
      if (read.result !== undefined) results.push(read.result);
      if (read.call) calls++;
    }
    if (results.length > 0 && previousCalls === 0)
      throw new VertexInvalid(
        'Please ensure that function response turn comes immediately after a function call turn.',
      );
    if (results.length > 0 && results.length !== previousCalls)
      throw new VertexInvalid(
        `Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn (${results.length} responses at contents[${i}], ${previousCalls} calls before).`,
      );
    previousCalls = calls;
    const last = i === contents.length - 1 && who === 'user';
    if (last) {
      turns.lastUserText = texts.join('\n');
      turns.toolResults.push(...results);
      turns.images.push(...images);
    }
  }
  return { ...turns, inputTokens };
}
