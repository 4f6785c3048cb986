import { validation } from './bedrock-errors.js';
import { baseModelId } from './bedrock-models.js';
import { isObject } from './context.js';
import type { Exchange } from './exchange.js';
import { decodeBase64, describeImage, type ImageInfo } from './images.js';
import type { OutputFormat } from './reply.js';
import type { ToolChoice, ToolSpec, ToolUse } from './tools.js';

/** Converse `toolConfig`, `outputConfig` and image blocks, validated as Bedrock validates them. */

/** A Converse `image` block: at most this many per request, each at most 3.75 MB (Bedrock's documented limits). */
export const BEDROCK_MAX_IMAGES = 20;
export const BEDROCK_MAX_IMAGE_BYTES = 3.75 * 1024 * 1024;
const IMAGE_FORMATS = ['png', 'jpeg', 'gif', 'webp'] as const;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function constraint(value: unknown, path: string, rule: string): string {
  return `1 validation error detected: Value '${typeof value === 'string' ? value : JSON.stringify(value)}' at '${path}' failed to satisfy constraint: ${rule}`;
}

/** Models that take `toolChoice.any` / `toolChoice.tool` (Bedrock documents them for Claude 3+ and Nova). */
function forcesTools(modelId: string): boolean {
  return /^(anthropic\.claude|amazon\.nova)/.test(baseModelId(modelId));
}

/** Claude models with native structured output (`outputConfig.textFormat`): 4.5 and later. */
function structuredOutput(modelId: string): boolean {
  return /^anthropic\.claude-(sonnet|opus|haiku)-(4-[5-9]|[5-9]|\d\d)/.test(baseModelId(modelId));
}

/**
 * Reads `toolConfig`: null when absent, undefined when it answered a ValidationException. The declarations are
 * returned as sent (their size counts as input tokens).
 */
export function parseToolConfig(ex: Exchange, raw: unknown, modelId: string): ToolUse | null | undefined {
  if (raw === undefined) return null;
  const fail = (message: string) => {
    validation(ex, message);
    return undefined;
  };
  if (!isObject(raw) || !Array.isArray(raw.tools) || raw.tools.length === 0)
    return fail(
      constraint(
        isObject(raw) ? raw.tools : raw,
        'toolConfig.tools',
        'Member must have length greater than or equal to 1',
      ),
    );
  const tools: ToolSpec[] = [];
  for (let k = 0; k < raw.tools.length; k++) {
    const tool: unknown = raw.tools[k];
    if (isObject(tool) && (tool.cachePoint !== undefined || tool.systemTool !== undefined)) continue;
    const spec = isObject(tool) ? tool.toolSpec : undefined;
    if (!isObject(spec))
      return fail(
        `toolConfig.tools.${k} must set toolSpec (or cachePoint, systemTool); received ${JSON.stringify(tool)}.`,
      );
    if (typeof spec.name !== 'string' || !TOOL_NAME.test(spec.name))
      return fail(
        constraint(
          spec.name,
          `toolConfig.tools.${k + 1}.member.toolSpec.name`,
          'Member must satisfy regular expression pattern: ^[a-zA-Z0-9_-]{1,64}$',
        ),
      );
    const schema = isObject(spec.inputSchema) ? spec.inputSchema.json : undefined;
    if (!isObject(schema) || schema.type !== 'object')
      return fail(
        `The inputSchema of tool '${spec.name}' (toolConfig.tools.${k}.toolSpec.inputSchema.json) must be a JSON Schema whose top-level type is 'object'; received ${isObject(schema) ? `type ${JSON.stringify(schema.type)}` : JSON.stringify(schema)}. Wrap the parameters in { "type": "object", "properties": { ... } }.`,
      );
    if (tools.some((t) => t.name === spec.name))
      return fail(`Tool names must be unique: '${spec.name}' appears more than once in toolConfig.tools.`);
    tools.push({ name: spec.name, schema });
  }
  const choice = parseToolChoice(raw.toolChoice, tools, modelId);
  if (typeof choice === 'string') return fail(choice);
  return { tools, choice };
}

/** The tool choice, or the ValidationException message. */
function parseToolChoice(raw: unknown, tools: readonly ToolSpec[], modelId: string): ToolChoice | string {
  if (raw === undefined) return { mode: 'auto' };
  const keys = isObject(raw) ? Object.keys(raw) : [];
  if (!isObject(raw) || keys.length !== 1 || !['auto', 'any', 'tool'].includes(keys[0]!))
    return `toolConfig.toolChoice must set exactly one of auto, any or tool; received ${JSON.stringify(raw)}.`;
  const mode = keys[0] as 'auto' | 'any' | 'tool';
  if (mode !== 'auto' && !forcesTools(modelId))
    return `This model doesn't support the toolConfig.toolChoice.${mode} field. Remove toolConfig.toolChoice.${mode} and try again.`;
  if (mode === 'auto') return { mode };
  if (mode === 'any') return { mode };
  const name = isObject(raw.tool) ? raw.tool.name : undefined;
  if (typeof name !== 'string' || !tools.some((t) => t.name === name))
    return `The tool ${JSON.stringify(name)} named in toolConfig.toolChoice.tool is not defined in toolConfig.tools (defined: ${tools.map((t) => t.name).join(', ')}). Name one of the defined tools.`;
  return { mode: 'tool', name };
}

/** Reads `outputConfig.textFormat` (structured output): null when absent, undefined when it answered an error. */
export function parseOutputConfig(
  ex: Exchange,
  raw: unknown,
  modelId: string,
): OutputFormat | null | undefined {
  if (raw === undefined || (isObject(raw) && raw.textFormat === undefined)) return null;
  const fail = (message: string) => {
    validation(ex, message);
    return undefined;
  };
  const format = isObject(raw) ? raw.textFormat : undefined;
  if (!isObject(format) || format.type !== 'json_schema')
    return fail(
      constraint(
        isObject(format) ? format.type : format,
        'outputConfig.textFormat.type',
        'Member must satisfy enum value set: [json_schema]',
      ),
    );
  if (!structuredOutput(modelId))
    return fail(
      `This model doesn't support the outputConfig.textFormat field. Remove outputConfig.textFormat and try again, or use a model with structured outputs (Claude Haiku 4.5, Sonnet 4.5, Opus 4.5 and later); a forced tool (toolChoice.tool) works on every Claude model.`,
    );
  const structure = isObject(format.structure) ? format.structure.jsonSchema : undefined;
  const text = isObject(structure) ? structure.schema : undefined;
  let schema: unknown;
  try {
    schema = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    schema = undefined;
  }
  if (!isObject(schema))
    return fail(
      `outputConfig.textFormat.structure.jsonSchema.schema must be a JSON Schema object serialized as a string; received ${JSON.stringify(text)?.slice(0, 100)}.`,
    );
  return { kind: 'json-schema', schema };
}

/** Checks an `image` block (`{ format, source: { bytes } }`); returns the image or the ValidationException message. */
export function checkImage(block: unknown, at: string): ImageInfo | string {
  const format = isObject(block) ? block.format : undefined;
  if (typeof format !== 'string' || !(IMAGE_FORMATS as readonly string[]).includes(format))
    return constraint(
      format,
      `${at}.image.format`,
      `Member must satisfy enum value set: [${IMAGE_FORMATS.join(', ')}]`,
    );
  const source = isObject(block) ? block.source : undefined;
  if (isObject(source) && source.s3Location !== undefined)
    return `The image at ${at} is an S3 location; the emulator cannot read S3. Send the image bytes in source.bytes.`;
  const bytes = isObject(source) && typeof source.bytes === 'string' ? decodeBase64(source.bytes) : undefined;
  if (!bytes || bytes.length === 0)
    return `The image at ${at} has no bytes: source.bytes must be the image (base64 on the wire; the SDK encodes a Uint8Array).`;
  if (bytes.length > BEDROCK_MAX_IMAGE_BYTES)
    return `The image at ${at} is ${bytes.length} bytes; images must be at most 3.75 MB (${BEDROCK_MAX_IMAGE_BYTES} bytes). Resize the image and try again.`;
  const image = describeImage(bytes);
  if (image?.format !== format)
    return `The image at ${at} is declared as ${format} but its bytes are ${image ? image.format : 'no known image format'}. Send the image's bytes with the matching format (png, jpeg, gif or webp).`;
  return image;
}
