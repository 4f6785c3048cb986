/**
 * The front of the front-vs-portkey benchmark: an Azure AI inference provider at the fixed upstream, with routes
 * named like the requests' models (`gpt-4o-mini`, `text-embedding-3-small`), limits out of the way, and the
 * default logger (one JSON line per request on stdout, which the benchmark sends to /dev/null). Started by the
 * benchmark as its own process (bundled by esbuild, as a deployment runs compiled JavaScript); it reports its URL
 * over IPC. BENCH_UPSTREAM is the upstream's URL, BENCH_KEY the API key to accept.
 */
import { startFront } from '@genai-deploy/front';

const upstream = process.env.BENCH_UPSTREAM ?? '';
const key = process.env.BENCH_KEY ?? '';
const front = await startFront({
  config: {
    models: [
      { id: 'azure/gpt-4o-mini', maxOutputTokens: 4096 },
      { id: 'azure/text-embedding-3-small', kind: 'embedding' },
    ],
    routes: {
      'gpt-4o-mini': { targets: ['azure/gpt-4o-mini'] },
      'text-embedding-3-small': { targets: ['azure/text-embedding-3-small'] },
    },
    providers: { azure: { endpoint: `${upstream}/azure` } },
    limits: { requestsPerMinute: 1e9, tokensPerMinute: 1e12 },
  },
  apiKeys: [key],
  clientOptions: { providers: { azure: { endpoint: `${upstream}/azure`, apiKey: 'bench-upstream-key' } } },
  env: {},
});
process.send?.({ url: front.url });
process.on('SIGTERM', () => void front.close().then(() => process.exit(0)));
