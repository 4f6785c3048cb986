import type { NormalizedEmbedRequest, NormalizedGenerateRequest, ProviderName, Target } from '../types.js';
import type { ProviderAdapter, ProviderStreamEvent } from './provider-definition.js';
import { type ProvidersOptions, providerDefinition } from './registry.js';

/**
 * Loads a provider's official SDK on first use: an application that only calls Bedrock never loads
 * google-gax or the Azure pipeline (each adds tens of ms and MBs at startup).
 */
export function lazyAdapter(
  provider: ProviderName,
  options: ProvidersOptions,
): ProviderAdapter & { readonly loaded: () => ProviderAdapter | undefined } {
  let loaded: ProviderAdapter | undefined;
  let loading: Promise<ProviderAdapter> | undefined;
  let closed = false;
  const load = async (): Promise<ProviderAdapter> => {
    if (loaded) return loaded;
    loading ??= create(provider, options).then((adapter) => {
      loaded = adapter;
      if (closed) adapter.close();
      return adapter;
    });
    return loading;
  };
  // Loading can take a while (google-gax: ~1-2 s); a call aborted meanwhile must not start its request.
  const ready = async (signal: AbortSignal): Promise<ProviderAdapter> => {
    const adapter = loaded ?? (await load());
    if (signal.aborted) throw signal.reason;
    return adapter;
  };
  return {
    name: provider,
    /** The real adapter once loaded: callers use it directly and skip this wrapper's extra awaits. */
    loaded: () => loaded,
    async generate(target: Target, req: NormalizedGenerateRequest, signal: AbortSignal) {
      return (await ready(signal)).generate(target, req, signal);
    },
    async *stream(
      target: Target,
      req: NormalizedGenerateRequest,
      signal: AbortSignal,
    ): AsyncGenerator<ProviderStreamEvent> {
      yield* (await ready(signal)).stream(target, req, signal);
    },
    async embed(target: Target, req: NormalizedEmbedRequest, signal: AbortSignal) {
      return (await ready(signal)).embed(target, req, signal);
    },
    close() {
      closed = true;
      loaded?.close();
    },
  };
}

function create(provider: ProviderName, options: ProvidersOptions): Promise<ProviderAdapter> {
  return providerDefinition(provider).load(options[provider]);
}

/** A client's adapters: one per provider, each created (and its SDK loaded) on first use of that provider. */
export class ProviderAdapters {
  readonly #options: ProvidersOptions;
  readonly #adapters = new Map<ProviderName, ReturnType<typeof lazyAdapter>>();

  constructor(options: ProvidersOptions) {
    this.#options = options;
  }

  /** The provider's adapter: the loaded one once it is, so that calls skip the lazy wrapper's awaits. */
  get(provider: ProviderName): ProviderAdapter {
    let adapter = this.#adapters.get(provider);
    if (!adapter) {
      adapter = lazyAdapter(provider, this.#options);
      this.#adapters.set(provider, adapter);
    }
    return adapter.loaded() ?? adapter;
  }

  /** Closes every adapter; returns what closing threw. */
  close(): unknown[] {
    const errors: unknown[] = [];
    for (const adapter of this.#adapters.values()) {
      try {
        adapter.close();
      } catch (e) {
        errors.push(e);
      }
    }
    this.#adapters.clear();
    return errors;
  }
}
