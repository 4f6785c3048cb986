import { PROVIDERS } from '@genai-deploy/config';
import { CallRunner, DEFAULT_DEADLINE_MS } from './call-runner.js';
import type { ClientOptions, GenAiClient } from './client-options.js';
import { checkPrices } from './cost/prices-option.js';
import { GenAiError } from './errors.js';
import type { Layer } from './layer.js';
import { buildPipeline } from './pipeline/build.js';
import { composeEmbed, composeGenerate, composeStream } from './pipeline/compose.js';
import { ProviderAdapters } from './providers/lazy-adapter.js';
import { providerDefinition } from './providers/registry.js';
import { providerTerminal } from './providers/terminal.js';
import { Telemetry } from './telemetry.js';

/** Fails fast, at construction, on options that could only fail every call later. */
function checkClientOptions(options: ClientOptions): void {
  const fail = (field: string, value: unknown, rule: string): never => {
    throw new GenAiError(`createClient: invalid ${field}: got ${JSON.stringify(value)}; ${rule}`, {
      kind: 'invalid-request',
    });
  };
  if (
    options.deadlineMs !== undefined &&
    !(typeof options.deadlineMs === 'number' && options.deadlineMs > 0)
  ) {
    fail('deadlineMs', options.deadlineMs, 'expected a number of milliseconds > 0');
  }
  if (
    options.embedConcurrency !== undefined &&
    !(Number.isInteger(options.embedConcurrency) && options.embedConcurrency >= 1)
  ) {
    fail('embedConcurrency', options.embedConcurrency, 'expected an integer >= 1');
  }
  if (options.budget !== undefined) {
    const { ledger, scopes } = (options.budget ?? {}) as Partial<ClientOptions['budget'] & object>;
    if (typeof ledger?.reserve !== 'function' || typeof ledger.settle !== 'function') {
      fail(
        'budget.ledger',
        typeof ledger,
        'expected a BudgetLedger: createBudgetLedger() or createBudgetLedger({ redis })',
      );
    }
    if (typeof scopes !== 'function') {
      fail(
        'budget.scopes',
        typeof scopes,
        "expected a function of the request returning its scopes, e.g. () => [{ kind: 'team', id: 'search', dailyMicroUsd: 5_000_000 }]",
      );
    }
  }
  const providers = options.providers ?? {};
  for (const name of PROVIDERS) {
    const settings = providers[name];
    if (settings) {
      providerDefinition(name).checkOptions(settings, (field, value, rule) =>
        fail(`providers.${name}.${field}`, value, rule),
      );
    }
  }
}

/** Closes the client: its calls in flight, then every layer and adapter; throws what closing threw, together. */
async function closeClient(calls: CallRunner, layers: readonly Layer[], adapters: ProviderAdapters) {
  calls.close();
  const errors: unknown[] = [];
  for (const layer of layers) {
    try {
      await layer.close?.();
    } catch (e) {
      errors.push(e);
    }
  }
  errors.push(...adapters.close());
  if (errors.length > 0) throw new AggregateError(errors, 'closing the client failed');
}

/**
 * Creates a client over Bedrock, SageMaker, Vertex AI and Azure AI inference. A call goes through the steps
 * of PIPELINE (pipeline/steps.ts): validation, then the layers `buildPipeline` composes, then the provider.
 */
export function createClient(options: ClientOptions = {}): GenAiClient {
  checkClientOptions(options);
  const prices = checkPrices(options.prices);
  const providers = options.providers ?? {};
  const telemetry = new Telemetry(options.telemetry);
  // Official clients are created (and their SDKs loaded) on first use of each provider.
  const adapters = new ProviderAdapters(providers);
  const pipeline = buildPipeline(options);
  const terminal = providerTerminal((provider) => adapters.get(provider));
  const calls = new CallRunner({
    deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
    telemetry,
    recordContent: options.telemetry?.recordContent ?? false,
    onEvent: options.onEvent,
    prices,
    validation: {
      routes: options.routes ?? {},
      providerProblem: (provider) => providerDefinition(provider).notConfigured(providers[provider]),
      targetProblem: (target, req) =>
        providerDefinition(target.provider).refuses(target, req, providers[target.provider]),
    },
    generate: composeGenerate(pipeline.layers, terminal.generate),
    stream: composeStream(pipeline.layers, terminal.stream),
    embed: composeEmbed(pipeline.layers, terminal.embed),
  });
  let closed: Promise<void> | undefined;
  return {
    generate: (request) => calls.generate(request),
    stream: (request) => calls.stream(request),
    embed: (request) => calls.embed(request),
    close: () => {
      closed ??= closeClient(calls, pipeline.layers, adapters);
      return closed;
    },
    cacheStats: pipeline.stats,
  };
}
