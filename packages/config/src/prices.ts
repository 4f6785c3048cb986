import { z } from 'zod';

/**
 * The price of one model, in USD. Token prices are per million tokens (the unit every provider publishes), so the
 * cost of n tokens is `n × perMTok` micro-dollars (1 USD = 1,000,000 µ$).
 */
export interface ModelPrice {
  /** USD per million input (prompt) tokens. */
  readonly inputPerMTok: number;
  /** USD per million output (completion) tokens. */
  readonly outputPerMTok: number;
  /** USD per million input tokens read from the provider's prompt cache. @default - inputPerMTok */
  readonly cachedInputPerMTok?: number;
  /** USD per input image, for providers that bill images apart from tokens. @default - images are billed as tokens */
  readonly perImage?: number;
  /** Where the price comes from: the provider's pricing page, or the configuration that set it. */
  readonly source: string;
  /** The day the price was read, YYYY-MM-DD. */
  readonly asOf: string;
}

const BEDROCK_PRICING = 'https://aws.amazon.com/bedrock/pricing/';
const VERTEX_PRICING = 'https://cloud.google.com/vertex-ai/generative-ai/pricing';
const AZURE_PRICING = 'https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/';
const READ_ON = '2026-12-04';

/**
 * Published on-demand prices (US regions, standard/global deployments) of the models this repository's
 * configurations and tests use, keyed by model address. Each entry names its source and the day it was read.
 * Left out on purpose (docs/DECISIONS.md, "Issue 18"): SageMaker endpoints (billed per instance-hour, not per
 * token: set a price per endpoint in the configuration's `pricing` if you want an amortized one), Vertex
 * text-embedding-005 (billed per 1,000 characters, not per token), and models whose price we could not confirm
 * (Cohere Embed English v3 and the `us.` cross-region Claude Haiku 4.5 profile on Bedrock). An unpriced model
 * costs 0 with `priced: false`.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  // Anthropic on Bedrock: prompt-cache reads at 0.1× the input price.
  'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0': {
    inputPerMTok: 0.8,
    outputPerMTok: 4,
    cachedInputPerMTok: 0.08,
    source: BEDROCK_PRICING,
    asOf: READ_ON,
  },
  'bedrock/amazon.titan-embed-text-v2:0': {
    inputPerMTok: 0.02,
    outputPerMTok: 0,
    source: BEDROCK_PRICING,
    asOf: READ_ON,
  },
  // Text input and output; Vertex AI's price, not the Gemini Developer API's (which differs).
  'vertex/gemini-2.0-flash': {
    inputPerMTok: 0.15,
    outputPerMTok: 0.6,
    source: VERTEX_PRICING,
    asOf: READ_ON,
  },
  'azure/gpt-4o-mini': {
    inputPerMTok: 0.15,
    outputPerMTok: 0.6,
    cachedInputPerMTok: 0.075,
    source: AZURE_PRICING,
    asOf: READ_ON,
  },
  'azure/text-embedding-3-small': {
    inputPerMTok: 0.02,
    outputPerMTok: 0,
    source: AZURE_PRICING,
    asOf: READ_ON,
  },
} satisfies Record<string, ModelPrice>);

const usdPerMTok = (what: string) =>
  z
    .number({ error: `expected ${what} as a number of USD, e.g. 0.15` })
    .finite()
    .nonnegative(`expected ${what} >= 0 (USD)`);

/**
 * One model's price in the configuration (`pricing`), in the configuration's camelCase. `source` and `asOf`
 * are optional there: they default to `configuration` and the day the configuration is read.
 */
export const modelPriceSchema = z.strictObject({
  inputPerMTok: usdPerMTok('inputPerMTok (USD per million input tokens)'),
  outputPerMTok: usdPerMTok('outputPerMTok (USD per million output tokens)'),
  cachedInputPerMTok: usdPerMTok('cachedInputPerMTok (USD per million cached input tokens)').optional(),
  perImage: usdPerMTok('perImage (USD per input image)').optional(),
  source: z.string().min(1).max(500).optional(),
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected asOf as a date YYYY-MM-DD, the day the price was read')
    .optional(),
});

export type ModelPriceConfig = z.output<typeof modelPriceSchema>;

/** A configuration's `pricing` as ModelPrices (source `configuration`, asOf today in UTC when not given). */
export function pricesFromConfig(
  pricing: Readonly<Record<string, ModelPriceConfig>> | undefined,
  now: Date = new Date(),
): Record<string, ModelPrice> {
  const today = now.toISOString().slice(0, 10);
  const prices: Record<string, ModelPrice> = {};
  for (const [address, p] of Object.entries(pricing ?? {})) {
    prices[address] = {
      inputPerMTok: p.inputPerMTok,
      outputPerMTok: p.outputPerMTok,
      ...(p.cachedInputPerMTok !== undefined ? { cachedInputPerMTok: p.cachedInputPerMTok } : {}),
      ...(p.perImage !== undefined ? { perImage: p.perImage } : {}),
      source: p.source ?? 'configuration',
      asOf: p.asOf ?? today,
    };
  }
  return prices;
}

/**
 * The price of a model address (`<provider>/<model-or-endpoint>`): the override first, then DEFAULT_PRICES;
 * undefined when neither has it. Exact addresses only: a route is priced by the target that answered, and a
 * region suffix (`@us-east-1`) is not part of the address.
 */
export function priceFor(
  model: string,
  overrides?: Readonly<Record<string, ModelPrice>>,
): ModelPrice | undefined {
  if (overrides && Object.hasOwn(overrides, model)) return overrides[model];
  return Object.hasOwn(DEFAULT_PRICES, model) ? DEFAULT_PRICES[model] : undefined;
}
