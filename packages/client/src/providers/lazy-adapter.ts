import type { ProvidersOptions } from '../client-options.js';
import type {
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  ProviderAdapter,
  ProviderName,
  ProviderStreamEvent,
  Target,
} from '../types.js';

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

async function create(provider: ProviderName, options: ProvidersOptions): Promise<ProviderAdapter> {
  switch (provider) {
    case 'bedrock': {
      const { BedrockAdapter } = await import('./bedrock-adapter.js');
      return new BedrockAdapter(options.bedrock);
    }
    case 'sagemaker': {
      const { SageMakerAdapterProvider } = await import('./sagemaker-adapter.js');
      return new SageMakerAdapterProvider(options.sagemaker);
    }
    case 'vertex': {
      const { VertexAdapter } = await import('./vertex-adapter.js');
      return new VertexAdapter(options.vertex!);
    }
    case 'azure': {
      const { AzureAdapter } = await import('./azure-adapter.js');
      return new AzureAdapter(options.azure!);
    }
  }
}
