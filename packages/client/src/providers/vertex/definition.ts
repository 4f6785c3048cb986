import type { ProviderDefinition } from '../provider-definition.js';
import { checkEndpointOverride } from '../shared/option-checks.js';
import { VERTEX_LIMITS } from './limits.js';
import type { VertexProviderOptions } from './options.js';
import { vertexRefuses } from './support.js';

/** Vertex AI PredictionService: generateContent / streamGenerateContent, predict for embeddings. */
export const vertexProvider: ProviderDefinition<'vertex', VertexProviderOptions> = {
  name: 'vertex',
  telemetry: { system: 'gcp.vertex_ai', providerName: 'gcp.vertex_ai' },
  limits: VERTEX_LIMITS,
  refuses: (target, req) => vertexRefuses(target.model, req),
  notConfigured: (options) =>
    options
      ? undefined
      : 'Vertex AI is not configured; pass providers.vertex: { project, location } to createClient',
  checkOptions(options, fail) {
    if (typeof options.project !== 'string' || options.project === '') {
      fail('project', options.project, 'expected a Google Cloud project id');
    }
    if (typeof options.location !== 'string' || options.location === '') {
      fail('location', options.location, "expected a region such as 'us-central1', or 'global'");
    }
    if (options.transport !== undefined && options.transport !== 'rest' && options.transport !== 'grpc') {
      fail(
        'transport',
        options.transport,
        "expected 'grpc' or 'rest' (or leave it out: REST for an http(s) endpoint URL, else gRPC)",
      );
    }
    const embed = options.embedTransport;
    if (embed !== undefined && embed !== 'client' && embed !== 'rest-json') {
      fail(
        'embedTransport',
        embed,
        "expected 'client' (the official client on `transport`) or 'rest-json' (REST predict decoded as plain JSON)",
      );
    }
    checkEndpointOverride(options.endpoint, fail);
  },
  async load(options) {
    const { VertexAdapter } = await import('./adapter.js');
    // Validation refuses vertex/ models before any call when the provider is not configured.
    return new VertexAdapter(options as VertexProviderOptions);
  },
  // A gateway serves bulk embeddings for many callers at once: it decodes them with `rest-json` (parsed off the
  // event loop when large) unless the configuration chooses the client (issue 19; docs/DECISIONS.md).
  fromConfig: (config) =>
    config.providers.vertex ? { embedTransport: 'rest-json', ...config.providers.vertex } : undefined,
};
