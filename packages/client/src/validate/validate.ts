import { invalidRequest } from '../errors.js';
import { limitsFor } from '../model-limits.js';
import { type RouteOptions, resolveTargets } from '../route/routes.js';
import { estimateTokens } from '../tokens.js';
import type {
  EmbedRequest,
  GenerateRequest,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  ProviderName,
  Target,
} from '../types.js';
import { checkMessages, checkResponseFormat, checkSampling, checkTools } from './validate-conversation.js';

export interface ValidationContext {
  readonly routes: Readonly<Record<string, RouteOptions>>;
  /** Says why a provider cannot be used (not configured), or returns undefined when it can. */
  readonly providerProblem: (provider: ProviderName) => string | undefined;
  /**
   * Says why a target cannot honour a request (a sampling field, tools or images it does not take), or returns
   * undefined when it can. @default - every target honours every request
   */
  readonly targetProblem?: (target: Target, req: GenerateRequest) => string | undefined;
}

/**
 * Whether the request uses anything a provider may lack (tools, a response format, images, a sampling field
 * not every provider takes). A plain text request skips the per-target checks: they are on the hot path.
 */
function asksBeyondText(req: GenerateRequest): boolean {
  if (req.tools !== undefined || req.toolChoice !== undefined || req.responseFormat !== undefined)
    return true;
  if (req.seed !== undefined || req.topK !== undefined) return true;
  if (req.presencePenalty !== undefined || req.frequencyPenalty !== undefined) return true;
  for (const m of req.messages) if (typeof m.content !== 'string' || m.role !== 'user') return true;
  return false;
}

/** Every target of the route must honour the request: a fallback must not answer something else than asked. */
function checkTargetSupport(
  req: GenerateRequest,
  targets: readonly Target[],
  route: string | undefined,
  vctx: ValidationContext,
): void {
  if (!vctx.targetProblem || !asksBeyondText(req)) return;
  for (const t of targets) {
    const problem = vctx.targetProblem(t, req);
    if (problem) {
      throw invalidRequest(
        `model (${t.id})`,
        req.model,
        problem,
        route && targets.length > 1
          ? `Route "${route}" includes ${t.id}; every target must support the request`
          : undefined,
      );
    }
  }
}

/** Validates a generate/stream request and resolves its targets. Throws `invalid-request` before any network call. */
export function validateGenerate(req: GenerateRequest, vctx: ValidationContext): NormalizedGenerateRequest {
  if (typeof req !== 'object' || req === null) {
    throw invalidRequest('request', req, 'expected an object { model, messages, ... }');
  }
  const { targets, route } = resolveTargets(req.model, vctx.routes);
  checkProviders(targets, vctx);

  const { messages } = req;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalidRequest(
      'messages',
      messages,
      'expected a non-empty array of { role: "user" | "assistant", content: string }',
      'Put the system prompt in `system` and at least one user message in `messages`',
    );
  }
  checkMessages(messages);
  if (req.system !== undefined && typeof req.system !== 'string') {
    throw invalidRequest('system', req.system, 'expected a string');
  }
  if (req.maxTokens !== undefined && !(Number.isInteger(req.maxTokens) && req.maxTokens > 0)) {
    throw invalidRequest('maxTokens', req.maxTokens, 'expected an integer > 0');
  }
  if (req.temperature !== undefined) {
    if (typeof req.temperature !== 'number' || Number.isNaN(req.temperature)) {
      throw invalidRequest('temperature', req.temperature, 'expected a number');
    }
    for (const t of targets) {
      const range = limitsFor(t.provider, t.model).temperature;
      if (range && (req.temperature < range.min || req.temperature > range.max)) {
        throw invalidRequest(
          'temperature',
          req.temperature,
          `${t.id} accepts ${range.min} to ${range.max}`,
          targets.length > 1
            ? `Route "${route}" includes ${t.id}; use a value every target accepts`
            : undefined,
        );
      }
    }
  }
  if (req.topP !== undefined && !(typeof req.topP === 'number' && req.topP > 0 && req.topP <= 1)) {
    throw invalidRequest('topP', req.topP, 'expected a number in (0, 1]');
  }
  if (req.stop !== undefined) {
    if (!Array.isArray(req.stop) || req.stop.some((s) => typeof s !== 'string' || s.length === 0)) {
      throw invalidRequest('stop', req.stop, 'expected an array of non-empty strings');
    }
  }
  checkTools(req);
  checkResponseFormat(req.responseFormat);
  checkSampling(req);
  checkDeadline(req.deadlineMs);
  checkProviderOptions(req.providerOptions);
  checkCache(req.cache);
  checkTargetSupport(req, targets, route, vctx);

  // Object.assign, not `{ ...rest, model, targets }`: in Node 20 a spread copy grown by new keys costs ~1 µs per key.
  const { signal: _signal, ...rest } = req;
  return Object.assign(rest, route ? { model: req.model, targets, route } : { model: req.model, targets });
}

/** Validates an embed request, normalizes `input` to an array and resolves its targets. */
export function validateEmbed(req: EmbedRequest, vctx: ValidationContext): NormalizedEmbedRequest {
  if (typeof req !== 'object' || req === null) {
    throw invalidRequest('request', req, 'expected an object { model, input, ... }');
  }
  const { targets, route } = resolveTargets(req.model, vctx.routes);
  checkProviders(targets, vctx);

  const raw: unknown = req.input;
  const input = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(input) || input.length === 0) {
    throw invalidRequest('input', raw, 'expected a string or a non-empty array of strings');
  }
  for (const [i, text] of input.entries()) {
    const field = typeof raw === 'string' ? 'input' : `input[${i}]`;
    if (typeof text !== 'string' || text.length === 0) {
      throw invalidRequest(field, text, 'expected a non-empty string');
    }
    for (const t of targets) {
      const limits = limitsFor(t.provider, t.model).embedding;
      if (limits.maxCharsPerText !== undefined && text.length > limits.maxCharsPerText) {
        throw invalidRequest(
          field,
          `${text.length} characters`,
          `${t.id} takes at most ${limits.maxCharsPerText} characters per text`,
          'Split the text into smaller chunks',
        );
      }
      const tokens = limits.maxTokensPerText === undefined ? 0 : estimateTokens(text);
      if (limits.maxTokensPerText !== undefined && tokens > limits.maxTokensPerText) {
        throw invalidRequest(
          field,
          `about ${tokens} tokens (${text.length} characters)`,
          `${t.id} takes at most ${limits.maxTokensPerText} tokens per text`,
          'Split the text into smaller chunks',
        );
      }
    }
  }
  if (req.dimensions !== undefined) {
    if (!(Number.isInteger(req.dimensions) && req.dimensions > 0)) {
      throw invalidRequest('dimensions', req.dimensions, 'expected an integer > 0');
    }
    for (const t of targets) {
      const allowed = limitsFor(t.provider, t.model).embedding.dimensions;
      if (!allowed) continue;
      const ok = Array.isArray(allowed)
        ? allowed.includes(req.dimensions)
        : req.dimensions >= (allowed as { min: number }).min &&
          req.dimensions <= (allowed as { max: number }).max;
      if (!ok) {
        const rule = Array.isArray(allowed)
          ? `${t.id} accepts one of ${allowed.join(', ')}`
          : `${t.id} accepts ${(allowed as { min: number }).min} to ${(allowed as { max: number }).max}`;
        throw invalidRequest('dimensions', req.dimensions, rule);
      }
    }
  }
  if (req.inputType !== undefined && req.inputType !== 'query' && req.inputType !== 'document') {
    throw invalidRequest('inputType', req.inputType, 'expected "query" or "document"');
  }
  checkDeadline(req.deadlineMs);
  checkProviderOptions(req.providerOptions);
  checkCache(req.cache);

  const { signal: _signal, ...rest } = req;
  return Object.assign(
    rest,
    route
      ? { model: req.model, input: input as string[], targets, route }
      : { model: req.model, input: input as string[], targets },
  );
}

function checkProviders(targets: readonly Target[], vctx: ValidationContext): void {
  for (const t of targets) {
    const problem = vctx.providerProblem(t.provider);
    if (problem) throw invalidRequest(`model (${t.id})`, t.id, problem);
  }
}

function checkDeadline(deadlineMs: unknown): void {
  if (
    deadlineMs !== undefined &&
    !(typeof deadlineMs === 'number' && deadlineMs > 0 && Number.isFinite(deadlineMs))
  ) {
    throw invalidRequest('deadlineMs', deadlineMs, 'expected a number of milliseconds > 0');
  }
}

function checkProviderOptions(options: unknown): void {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw invalidRequest('providerOptions', options, 'expected an object of provider-specific fields');
  }
}

/** Longest per-call cache scope, in characters: an id, not a document. */
export const MAX_CACHE_SCOPE_LENGTH = 256;
const CACHE_FIELDS = ['enabled', 'scope'];

/** `cache`: a boolean or `{ enabled?, scope? }`; an unknown field is refused (a misspelt `scope` would mix tenants). */
function checkCache(cache: unknown): void {
  if (cache === undefined || typeof cache === 'boolean') return;
  if (typeof cache !== 'object' || cache === null || Array.isArray(cache)) {
    throw invalidRequest('cache', cache, 'expected true, false or { enabled?: boolean, scope?: string }');
  }
  const c = cache as Record<string, unknown>;
  for (const field of Object.keys(c)) {
    if (!CACHE_FIELDS.includes(field)) {
      throw invalidRequest(
        `cache.${field}`,
        c[field],
        'expected only "enabled" and "scope"',
        'Put a tenant id in `scope`; TTLs are set per route (`cacheTtlSeconds`) or per client (`cache.ttlSeconds`)',
      );
    }
  }
  if (c.enabled !== undefined && typeof c.enabled !== 'boolean') {
    throw invalidRequest('cache.enabled', c.enabled, 'expected true or false');
  }
  const scope = c.scope;
  if (scope === undefined) return;
  if (typeof scope !== 'string' || scope.length === 0) {
    throw invalidRequest(
      'cache.scope',
      scope,
      'expected a non-empty string',
      "Pass a tenant id (e.g. an API key's id), or leave `scope` out for no per-call scope",
    );
  }
  if (scope.length > MAX_CACHE_SCOPE_LENGTH) {
    throw invalidRequest(
      'cache.scope',
      `${scope.length} characters`,
      `expected at most ${MAX_CACHE_SCOPE_LENGTH} characters`,
      "Pass a short id of the tenant (e.g. a hash prefix), not the tenant's data",
    );
  }
}
