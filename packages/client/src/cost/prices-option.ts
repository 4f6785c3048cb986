import { type ModelPrice, parseModelAddress } from '@genai-deploy/config';
import { describeValue, optionError } from '../errors.js';

const FIELDS = ['inputPerMTok', 'outputPerMTok', 'cachedInputPerMTok', 'perImage'] as const;

/**
 * Checks createClient's `prices` (model address → ModelPrice, over DEFAULT_PRICES) and returns a frozen copy.
 * Throws an `invalid-request` GenAiError naming the entry, the value and the rule.
 */
export function checkPrices(prices: unknown): Readonly<Record<string, ModelPrice>> {
  if (prices === undefined) return {};
  if (typeof prices !== 'object' || prices === null || Array.isArray(prices)) {
    throw optionError(
      `invalid prices: got ${describeValue(prices)}; expected an object of model address → { inputPerMTok, outputPerMTok, source, asOf }`,
    );
  }
  const checked: Record<string, ModelPrice> = {};
  for (const [address, price] of Object.entries(prices as Record<string, unknown>)) {
    const at = `prices["${address}"]`;
    if (!parseModelAddress(address)) {
      throw optionError(
        `invalid ${at}: "${address}" is not a model address; expected "<provider>/<model-or-endpoint>" (routes are priced by the target that answers)`,
      );
    }
    if (typeof price !== 'object' || price === null) {
      throw optionError(
        `invalid ${at}: got ${describeValue(price)}; expected { inputPerMTok, outputPerMTok, source, asOf }`,
      );
    }
    const p = price as Record<string, unknown>;
    for (const field of FIELDS) {
      const v = p[field];
      const required = field === 'inputPerMTok' || field === 'outputPerMTok';
      if (v === undefined && !required) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw optionError(
          `invalid ${at}.${field}: got ${typeof v === 'number' ? String(v) : describeValue(v)}; expected a number of USD >= 0${field === 'perImage' ? ' per image' : ' per million tokens'}, e.g. 0.15`,
        );
      }
    }
    if (typeof p['source'] !== 'string' || p['source'] === '') {
      throw optionError(
        `invalid ${at}.source: got ${describeValue(p['source'])}; expected where the price comes from (a URL or a document name)`,
      );
    }
    if (typeof p['asOf'] !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(p['asOf'])) {
      throw optionError(
        `invalid ${at}.asOf: got ${describeValue(p['asOf'])}; expected the day the price was read, YYYY-MM-DD`,
      );
    }
    checked[address] = { ...(price as ModelPrice) };
  }
  return Object.freeze(checked);
}
