/**
 * Your configuration layered over the local platform's defaults (`npm start -- --config <file>` or
 * GENAI_CONFIG_FILE): the same JSON and schema as the front's GENAI_CONFIG_FILE, merged by these rules.
 *
 * 1. `providers`: a provider your file lists is real, unless its `endpoint` is the emulator's own address: your
 *    entry replaces the default's whole (its `endpoint`, else the cloud's public endpoint for the region or
 *    location), and the front authenticates with the cloud's default chain. Providers your file leaves out stay
 *    on the emulator, with credentials that open nothing else.
 * 2. `models`: your models, then the defaults' models whose id you do not list, except the defaults on a real
 *    provider: the demo models never send traffic to a cloud you did not ask for by model.
 * 3. `routes`: by name. Your route replaces the default of that name; the other defaults stay, without the
 *    targets rule 2 removed, and a default route with no target left goes.
 * 4. `limits`: key by key, yours over the local ones (LOCAL_LIMITS, high: a local load test meets the
 *    emulator, not a per-key limit).
 * 5. `vectorStore`: yours replaces the default (the emulator's OpenSearch). The default goes when its
 *    embedding model is removed by rule 2 or when no AWS provider is left on the emulator to sign for it.
 * 6. Anything else (`cache`, `logPrompts`, `images`, `corsOrigins`, `trustedProxyHops`): yours, as written.
 *
 * The result is validated with the front's schema; your models come first, so an error's path (`models.0.id`,
 * `routes.chat.targets.1`) is a path in your file.
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import {
  ConfigError,
  type FrontConfig,
  type FrontConfigInput,
  PROVIDERS,
  type ProviderName,
  parseFrontConfig,
  parseModelAddress,
} from '@genai-deploy/config';

/**
 * The local platform's per-key limits, over the front's deployed defaults (600 requests and 200,000 tokens a
 * minute per key): on your machine you are the only tenant and the emulator costs nothing, so a load test
 * should meet the emulator's latency, not a limit it did not know about. The banner prints them and how to
 * lower them (a real provider in your file bills every request).
 */
export const LOCAL_LIMITS = {
  requestsPerMinute: 1_000_000,
  tokensPerMinute: 1_000_000_000,
  // The front's defaults, stated so the banner can print them: they bound memory, not spend.
  maxInFlightPerKey: 2048,
  maxInFlight: 4096,
} as const;

/** Where a provider's requests go on the local platform. */
export type ProviderPlacement =
  | { readonly provider: ProviderName; readonly emulated: true }
  | {
      readonly provider: ProviderName;
      readonly emulated: false;
      /** The endpoint, region or location, as the banner prints it. */
      readonly where: string;
      /** Where the credentials come from, as the banner prints it. */
      readonly credentials: string;
    };

export interface LayeredConfig {
  readonly config: FrontConfig;
  /** Every provider the configuration uses (a model or a setting), emulated or real, in PROVIDERS order. */
  readonly providers: readonly ProviderPlacement[];
  /** What the defaults lost to rules 2, 3 and 5, for the banner (`bedrock/...`, `route chat`, `vector store`). */
  readonly dropped: readonly string[];
}

/** Each cloud's default credential chain, as the banner names it. */
export const DEFAULT_CHAINS: { readonly [P in ProviderName]: string } = {
  bedrock: 'AWS default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, instance role)',
  sagemaker: 'AWS default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, instance role)',
  vertex: 'Application Default Credentials (gcloud auth application-default login)',
  azure: 'GENAI_AZURE_API_KEY, else DefaultAzureCredential (az login)',
};

/** The file's path as given and as read (relative to the directory `npm start` was run from). */
export function resolveConfigPath(path: string, cwd = process.env.INIT_CWD ?? process.cwd()): string {
  return resolve(cwd, path);
}

/**
 * Reads a configuration file as JSON; every failure says which file, what is wrong and how to fix it. The
 * content is validated later, layered over the defaults (layerConfig).
 */
export async function readConfigFile(path: string, from: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `${from}: cannot read ${path} (${(e as Error).message}); give the path of a JSON file holding the front configuration (packages/config/README.md)`,
      [],
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const yaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
    throw new ConfigError(
      `${from}: ${path} is not valid JSON (${jsonProblem(text, e as Error)}); ` +
        (yaml
          ? 'the configuration is read as JSON only, as the front reads GENAI_CONFIG_FILE: write it as JSON'
          : 'fix the JSON (double-quoted keys and strings, no trailing commas, no comments)'),
      [],
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      `${from}: ${path} holds ${Array.isArray(value) ? 'an array' : `a ${value === null ? 'null' : typeof value}`}; expected a JSON object such as {"models": [{"id": "bedrock/..."}], "routes": {"name": {"targets": ["bedrock/..."]}}}`,
      [],
    );
  }
  return value as Record<string, unknown>;
}

/**
 * JSON.parse's complaint the same on every Node: without the quoted text (some errors quote a snippet, newlines
 * and all) and with the line and column of its position (Node 22 and later add them in their own words).
 */
function jsonProblem(text: string, error: Error): string {
  const message = error.message
    .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '')
    .replace(/ \(line \d+ column \d+\)$/, '');
  const position = /position (\d+)$/.exec(message)?.[1];
  if (position === undefined) return message;
  const before = text.slice(0, Number(position)).split('\n');
  return `${message}, line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `http://127.0.0.1:4010` and `http://localhost:4010/` are the same emulator. */
function isEmulator(endpoint: unknown, emulatorUrl: string): boolean {
  if (typeof endpoint !== 'string') return false;
  try {
    const u = new URL(endpoint);
    const e = new URL(emulatorUrl);
    const loopback = (h: string) => ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(h);
    return u.port === e.port && (u.hostname === e.hostname || (loopback(u.hostname) && loopback(e.hostname)));
  } catch {
    return false;
  }
}

function placement(provider: ProviderName, entry: Record<string, unknown>): ProviderPlacement {
  const { endpoint, region, project, location } = entry;
  const where =
    typeof endpoint === 'string'
      ? endpoint
      : provider === 'vertex'
        ? `project ${String(project)}, location ${String(location)}`
        : `region ${String(region)}`;
  return { provider, emulated: false, where, credentials: DEFAULT_CHAINS[provider] };
}

/** Rule 2: your models first (error paths are your file's), then the defaults' you do not name nor made real. */
function layerModels(
  defaults: FrontConfigInput,
  mine: unknown,
  onReal: (id: string) => boolean,
  dropped: string[],
) {
  if (mine !== undefined && !Array.isArray(mine)) return mine; // the schema says what is wrong with it
  const named = new Set((mine ?? []).map((m: unknown) => (isRecord(m) ? m.id : undefined)));
  const kept = (defaults.models ?? []).filter((m) => {
    if (named.has(m.id)) return false;
    if (onReal(m.id)) dropped.push(m.id);
    return !onReal(m.id);
  });
  return [...(mine ?? []), ...kept];
}

/** Rule 3: your routes replace the defaults' by name; a default keeps the targets rule 2 left it. */
function layerRoutes(defaults: FrontConfigInput, mine: unknown, dropped: string[]) {
  if (mine !== undefined && !isRecord(mine)) return mine;
  const out: Record<string, unknown> = {};
  for (const [name, route] of Object.entries(defaults.routes ?? {})) {
    if (mine && name in mine) continue;
    const targets = route.targets.filter((t) => !dropped.includes(t));
    if (targets.length > 0) out[name] = { ...route, targets };
    else dropped.push(`route ${name}`);
  }
  return { ...out, ...mine };
}

/** Rule 5: the default vector store only while what it needs (its embedding model, AWS keys) stays emulated. */
function layerVectorStore(
  defaults: FrontConfigInput,
  mine: unknown,
  real: ReadonlySet<string>,
  onReal: (id: string) => boolean,
  dropped: string[],
) {
  if (mine !== undefined || !defaults.vectorStore) return mine;
  const embedding = defaults.vectorStore.embeddingModel;
  const awsLeft = !real.has('bedrock') || !real.has('sagemaker');
  if ((embedding === undefined || !onReal(embedding)) && awsLeft) return defaults.vectorStore;
  dropped.push('vector store');
  return undefined;
}

/**
 * The defaults with the file's configuration over them (rules above), validated. Throws a ConfigError whose
 * message names `source` and lists every problem with its path in the file.
 */
export function layerConfig(
  defaults: FrontConfigInput,
  file: Record<string, unknown> | undefined,
  emulatorUrl: string,
  source = 'the configuration file',
): LayeredConfig {
  const user = file ?? {};
  const userProviders = isRecord(user.providers) ? user.providers : {};
  const real = new Set<string>(
    PROVIDERS.filter((p) => {
      const entry = userProviders[p];
      return isRecord(entry) && !isEmulator(entry.endpoint, emulatorUrl);
    }),
  );
  const onReal = (id: string) => real.has(parseModelAddress(id)?.provider ?? '');
  const dropped: string[] = [];
  const { vectorStore: _vectorStore, ...rest } = { ...defaults, ...user };
  const models = layerModels(defaults, user.models, onReal, dropped);
  const routes = layerRoutes(defaults, user.routes, dropped);
  const vectorStore = layerVectorStore(defaults, user.vectorStore, real, onReal, dropped);
  const merged = {
    ...rest,
    models,
    routes,
    // Rule 1: whole entries per provider.
    providers: isRecord(user.providers)
      ? { ...defaults.providers, ...user.providers }
      : (user.providers ?? defaults.providers),
    // Rule 4: key by key.
    limits:
      user.limits === undefined || isRecord(user.limits) ? { ...LOCAL_LIMITS, ...user.limits } : user.limits,
    ...(vectorStore === undefined ? {} : { vectorStore }),
  };
  let config: FrontConfig;
  try {
    config = parseFrontConfig(merged, `${source}, layered over the local defaults`);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(
      `${e.message}\nfix ${source} and start again (the schema: packages/config/README.md; the merge rules: README.md, "Local platform")`,
      e.issues,
    );
  }
  const used = new Set<string>([
    ...config.models.map((m) => parseModelAddress(m.id)?.provider ?? ''),
    ...Object.keys(config.providers),
  ]);
  const placements = PROVIDERS.filter((p) => used.has(p)).map((p) =>
    real.has(p)
      ? placement(p, userProviders[p] as Record<string, unknown>)
      : { provider: p, emulated: true as const },
  );
  const layered = { config, providers: placements, dropped };
  const problem = vectorStoreProblem(layered, emulatorUrl);
  if (problem) {
    throw new ConfigError(`invalid ${source}:\n  - vectorStore: ${problem}`, [
      { path: 'vectorStore', message: problem },
    ]);
  }
  return layered;
}

/**
 * A vector store of the file's on a real service is signed with the credentials the front's client has: on the
 * local platform an emulated provider carries the emulator's keys, which open nothing. Says so instead of a
 * 403 at the first upload.
 */
function vectorStoreProblem(layered: LayeredConfig, emulatorUrl: string): string | undefined {
  const store = layered.config.vectorStore;
  if (!store || store.engine === 'memory' || store.engine === 'azure-search') return undefined;
  if ('endpoint' in store && isEmulator(store.endpoint, emulatorUrl)) return undefined;
  const real = new Set(layered.providers.filter((p) => !p.emulated).map((p) => p.provider));
  const needs: ProviderName[] = store.engine === 'opensearch' ? ['bedrock', 'sagemaker'] : ['vertex'];
  const left = needs.filter((p) => !real.has(p));
  if (left.length === 0) return undefined;
  return (
    `vectorStore (engine ${store.engine}) is a real service, and the front signs its requests with the credentials ` +
    `given to ${needs.join(', else ')}; ${left.join(' and ')} ${left.length > 1 ? 'are' : 'is'} on the emulator here, ` +
    `with keys that open nothing else. List ${left.map((p) => `providers.${p}`).join(' and ')} with real settings in ` +
    'the file, or use {"engine": "memory", ...}'
  );
}
