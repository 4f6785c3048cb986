import { prng } from './content.js';
import { type FaultKind, type FaultRule, PROVIDERS, type ProviderName } from './types.js';

const KINDS: readonly FaultKind[] = ['error', 'reset', 'hang', 'stream-cut', 'stream-error'];

export interface FaultTarget {
  readonly provider: ProviderName;
  readonly operation: string;
  readonly model: string;
  readonly streaming: boolean;
}

interface LiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

/** Checks a rule list from the control API or setFaults and returns a message per problem. */
export function validateFaultRules(rules: unknown): string[] {
  if (!Array.isArray(rules))
    return [`"rules" must be an array of fault rules, received ${JSON.stringify(rules)}`];
  const problems: string[] = [];
  rules.forEach((rule: unknown, i) => {
    const at = `rules[${i}]`;
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
      problems.push(`${at} must be an object, received ${JSON.stringify(rule)}`);
      return;
    }
    const r = rule as Record<string, unknown>;
    if (r.provider !== undefined && !PROVIDERS.includes(r.provider as ProviderName))
      problems.push(
        `${at}.provider must be one of ${PROVIDERS.join(', ')}, received ${JSON.stringify(r.provider)}`,
      );
    if (r.kind !== undefined && !KINDS.includes(r.kind as FaultKind))
      problems.push(`${at}.kind must be one of ${KINDS.join(', ')}, received ${JSON.stringify(r.kind)}`);
    for (const key of ['operation', 'model', 'errorType', 'message'] as const)
      if (r[key] !== undefined && typeof r[key] !== 'string')
        problems.push(`${at}.${key} must be a string, received ${JSON.stringify(r[key])}`);
    if (
      r.status !== undefined &&
      !(Number.isInteger(r.status) && (r.status as number) >= 400 && (r.status as number) <= 599)
    )
      problems.push(
        `${at}.status must be an integer HTTP error status 400-599, received ${JSON.stringify(r.status)}`,
      );
    if (r.rate !== undefined && !(typeof r.rate === 'number' && r.rate >= 0 && r.rate <= 1))
      problems.push(`${at}.rate must be a number from 0 to 1, received ${JSON.stringify(r.rate)}`);
    for (const key of ['count', 'afterChunks', 'hangMs', 'retryAfterMs', 'originalStatusCode'] as const)
      if (
        r[key] !== undefined &&
        !(typeof r[key] === 'number' && Number.isFinite(r[key]) && (r[key] as number) >= 0)
      )
        problems.push(`${at}.${key} must be a non-negative number, received ${JSON.stringify(r[key])}`);
  });
  return problems;
}

/** The live fault rules: first matching live rule wins; `rate` draws from the seeded generator. */
export class FaultEngine {
  private live: LiveRule[] = [];
  private rand: () => number;

  constructor(private readonly seed: number) {
    this.rand = prng(seed);
  }

  set(rules: readonly FaultRule[]): void {
    const problems = validateFaultRules(rules);
    if (problems.length > 0) throw new TypeError(`Invalid fault rules: ${problems.join('; ')}`);
    this.live = rules.map((rule) => ({
      rule: { ...rule },
      remaining: rule.count ?? Number.POSITIVE_INFINITY,
    }));
    // A new rule set restarts the draw sequence, so a seeded run is reproducible from the moment it is set.
    this.rand = prng(this.seed);
  }

  list(): FaultRule[] {
    return this.live.map(({ rule, remaining }) =>
      Number.isFinite(remaining) ? { ...rule, count: remaining } : { ...rule },
    );
  }

  clear(): void {
    this.set([]);
  }

  /** The fault to apply to this request, consuming one use of its rule, or undefined. */
  match(target: FaultTarget): FaultRule | undefined {
    for (const live of this.live) {
      const { rule } = live;
      if (live.remaining <= 0) continue;
      if (rule.provider !== undefined && rule.provider !== target.provider) continue;
      if (rule.operation !== undefined && rule.operation !== target.operation) continue;
      if (rule.model !== undefined && rule.model !== target.model) continue;
      const kind = rule.kind ?? 'error';
      if ((kind === 'stream-cut' || kind === 'stream-error') && !target.streaming) continue;
      if (rule.rate !== undefined && rule.rate < 1 && this.rand() >= rule.rate) continue;
      live.remaining -= 1;
      return rule;
    }
    return undefined;
  }
}
