import type { FrontConfig, ModelConfig } from '@genai-deploy/config';
import { parseModelAddress } from '@genai-deploy/config';
import { HttpError } from './errors.js';

/** What the front knows about a model name a caller may use: a configured model or a route. */
export interface CatalogEntry {
  /** The name as the caller writes it. */
  readonly name: string;
  readonly kind: 'chat' | 'embedding';
  /** Configured models this name may reach, in route order. */
  readonly targets: readonly ModelConfig[];
  /** Strictest prompt limit among the targets, in estimated tokens. */
  readonly maxInputTokens?: number;
  /** Strictest `max_tokens` limit among the targets. */
  readonly maxOutputTokens: number;
  /** The provider when every target is on one provider (for x-genai-provider before a stream starts). */
  readonly provider?: string;
  readonly isRoute: boolean;
}

/**
 * The names callers may use, built once from the configuration. Only configured models and routes are
 * served: a caller cannot reach an arbitrary (and perhaps expensive) model through the gateway.
 */
export class Catalog {
  private readonly entries = new Map<string, CatalogEntry>();

  constructor(config: FrontConfig) {
    const byId = new Map(config.models.map((m) => [m.id, m]));
    for (const m of config.models) this.entries.set(m.id, entry(m.id, [m], false));
    for (const [name, route] of Object.entries(config.routes)) {
      // Routes whose names are model addresses are overrides of that model (e.g. a fallback for it).
      const targets = route.targets.map(
        (t) => byId.get(t) ?? { id: t, kind: 'chat' as const, maxOutputTokens: 4096 },
      );
      this.entries.set(name, entry(name, targets, !name.includes('/')));
    }
  }

  list(): CatalogEntry[] {
    return [...this.entries.values()];
  }

  /** The entry for a name, or a 404 (unknown) / 400 (wrong kind) that says what to use instead. */
  resolve(name: string, kind: 'chat' | 'embedding'): CatalogEntry {
    const found = this.entries.get(name);
    if (!found) {
      const names = this.list()
        .filter((e) => e.kind === kind)
        .map((e) => e.name);
      const hint = parseModelAddress(name)
        ? 'it is not configured on this gateway'
        : 'expected "<provider>/<model>" of a configured model or a route name';
      throw new HttpError(
        404,
        `the model "${truncate(name)}" does not exist: ${hint}. Available ${kind} models: ${names.join(', ') || 'none'}`,
        { code: 'model_not_found', param: 'model', type: 'invalid_request_error' },
      );
    }
    if (found.kind !== kind) {
      throw new HttpError(
        400,
        `the model "${name}" is a ${found.kind} model; use it with ${found.kind === 'chat' ? '/v1/chat/completions' : '/v1/embeddings'}`,
        { code: 'model_not_supported', param: 'model' },
      );
    }
    return found;
  }
}

function entry(name: string, targets: readonly ModelConfig[], isRoute: boolean): CatalogEntry {
  const inputs = targets.map((t) => t.maxInputTokens).filter((n): n is number => n !== undefined);
  const providers = new Set(targets.map((t) => parseModelAddress(t.id)?.provider));
  const provider = providers.size === 1 ? [...providers][0] : undefined;
  return {
    name,
    kind: targets[0]?.kind ?? 'chat',
    targets,
    maxInputTokens: inputs.length > 0 ? Math.min(...inputs) : undefined,
    maxOutputTokens: Math.min(...targets.map((t) => t.maxOutputTokens)),
    provider,
    isRoute,
  };
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A rough token estimate (4 characters a token), used for prompt limits and tokens/min before usage is known. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
