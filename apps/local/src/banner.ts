/**
 * What `npm start` prints once both servers listen: where to send requests, with which keys, which targets are
 * emulated and which real, and the limits in effect with the way to change them, so that a local load test
 * that meets a limit is not a surprise.
 */
import { FRONT_ENV, type FrontConfig, PROVIDERS, parseModelAddress } from '@genai-deploy/config';
import type { LayeredConfig } from './local-config.js';

export interface BannerInput {
  readonly frontUrl: string;
  readonly emulatorUrl: string;
  /** The key printed in the banner and the curl example; undefined when the keys came from the environment. */
  readonly apiKey: string | undefined;
  /** The admin key printed, or undefined when the keys came from the environment. */
  readonly adminKey: string | undefined;
  readonly layered: LayeredConfig;
  /** e.g. `/home/me/genai.json (--config)`; undefined when only the defaults run. */
  readonly configFile: string | undefined;
}

const n = (v: number) => v.toLocaleString('en-US');

function targetLines({ config, providers }: LayeredConfig): string[] {
  const width = Math.max(...PROVIDERS.map((p) => p.length));
  return providers.flatMap((p) => {
    const models = config.models
      .filter((m) => parseModelAddress(m.id)?.provider === p.provider)
      .map((m) => m.id.slice(p.provider.length + 1));
    const head = `    ${p.provider.padEnd(width)}  ${p.emulated ? 'emulated' : 'REAL    '}  ${models.join(', ') || '(no model)'}`;
    return p.emulated
      ? [head]
      : [head, `    ${''.padEnd(width)}            at ${p.where}; credentials: ${p.credentials}`];
  });
}

function routeLines(config: FrontConfig): string[] {
  const names = Object.keys(config.routes);
  const width = Math.max(0, ...names.map((r) => r.length));
  return names.map((name) => `    ${name.padEnd(width)}  ${config.routes[name]!.targets.join(' -> ')}`);
}

function vectorStoreLine(config: FrontConfig, emulatorUrl: string): string {
  const store = config.vectorStore;
  if (!store) return 'off (set vectorStore in your configuration file)';
  const onEmulator = 'endpoint' in store && store.endpoint.startsWith(emulatorUrl);
  return `/v1/files, /v1/vector_stores on ${onEmulator ? "the emulator's OpenSearch" : `${store.engine}`} (embedded by ${store.embeddingModel ?? 'the default embedding model'})`;
}

function limitLines(config: FrontConfig, real: boolean): string[] {
  const l = config.limits;
  return [
    `  per-key limits   ${n(l.requestsPerMinute)} requests/min, ${n(l.tokensPerMinute)} tokens/min, ${n(l.maxInFlightPerKey ?? 2048)} in flight per key (${n(l.maxInFlight ?? 4096)} per instance)`,
    '                   deployed fronts default to 600 requests/min and 200,000 tokens/min per key; change these with',
    '                   "limits": {"requestsPerMinute", "tokensPerMinute", "maxInFlightPerKey", "maxInFlight"} in a',
    '                   configuration file (npm start -- --config <file>, or GENAI_CONFIG_FILE=<file>)',
    ...(real
      ? [
          '                   REAL targets bill every request: lower the limits to cap what a load test spends',
        ]
      : []),
  ];
}

/** The banner's text. */
export function banner(input: BannerInput): string {
  const { config, dropped } = input.layered;
  const real = input.layered.providers.some((p) => !p.emulated);
  const tryModel = config.routes.chat
    ? 'chat'
    : (Object.keys(config.routes)[0] ?? config.models[0]?.id ?? 'chat');
  return `
genai-deploy local platform

  front (OpenAI-compatible)  ${input.frontUrl}/v1
  emulator (4 clouds)        ${input.emulatorUrl}
  API key                    ${input.apiKey ?? `(from ${FRONT_ENV.apiKeys.name})`}
  admin key                  ${input.adminKey ?? `(from ${FRONT_ENV.adminKeys.name})`}  /admin/keys manages keys
  configuration              ${input.configFile ? `${input.configFile}, layered over the local defaults` : 'the local defaults (npm start -- --config <file> adds yours)'}

  targets (provider, where requests go, models)
${targetLines(input.layered).join('\n')}
  routes
${routeLines(config).join('\n') || '    (none)'}
  vector stores    ${vectorStoreLine(config, input.emulatorUrl)}${dropped.length > 0 ? `\n  left out         ${dropped.join(', ')} (defaults on a provider your file makes real)` : ''}

${limitLines(config, real).join('\n')}

Try it:

  curl ${input.frontUrl}/v1/chat/completions \\
    -H "Authorization: Bearer ${input.apiKey ?? '$KEY'}" \\
    -H "content-type: application/json" \\
    -d '{"model":"${tryModel}","messages":[{"role":"user","content":"Hello!"}]}'

Ctrl-C stops both.
`;
}
