import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * What a key may do, beside proving who calls: the models and routes it may name, its own per-minute limits
 * (over the configuration's), its budgets, its expiry and whether it is disabled. Set on the caller by
 * authentication; every field is optional (a plain key is the configuration's defaults).
 */
export interface KeyPolicy {
  readonly name?: string;
  readonly team?: string;
  /** Model addresses and route names this key may use. @default - every configured one */
  readonly models?: readonly string[];
  readonly limits?: { readonly requestsPerMinute?: number; readonly tokensPerMinute?: number };
  /** USD per UTC day and month for this key (its team's budgets are the team's, see Budgets). */
  readonly budget?: { readonly dailyUsd?: number; readonly monthlyUsd?: number };
  /** ISO 8601; from then on the key is refused (401 api_key_expired). */
  readonly expiresAt?: string;
  readonly disabled?: boolean;
}

/** A key as the store keeps it: its SHA-256 (never the secret), its id and policy, and its rotation's grace. */
export interface KeyRecord extends KeyPolicy {
  /** 16 hex: the first 16 of the SHA-256 of the key as created; kept across rotations (spend and jobs follow it). */
  readonly id: string;
  /** SHA-256 hex of the current secret. */
  readonly hash: string;
  readonly createdAt: string;
  /** The secret it was rotated from, accepted until `until` (ISO). */
  readonly previous?: { readonly hash: string; readonly until: string };
}

const HASH_HEX = /^[0-9a-f]{64}$/i;
const ID_HEX = /^[0-9a-f]{16}$/;

/** SHA-256 of a key, hex. */
export function sha256Hex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The id of a key: the first 16 hex characters of its SHA-256 (the tag logs, limits and jobs already use). */
export function keyIdOf(hash: string): string {
  return hash.slice(0, 16).toLowerCase();
}

export function isKeyId(id: string): boolean {
  return ID_HEX.test(id);
}

/** A new secret: `sk-genai-` and 32 random bytes, base64url. */
export function newSecret(): string {
  return `sk-genai-${randomBytes(32).toString('base64url')}`;
}

/** An object's error: zod's own for unknown fields (it names them), else what the object holds. */
function objectError(fields: string) {
  return (issue: { code: string }) =>
    issue.code === 'unrecognized_keys' ? undefined : `expected an object ${fields}`;
}

const usd = z
  .number({ error: 'expected a number of US dollars, e.g. 0.01' })
  .nonnegative('expected 0 or more US dollars')
  .max(1e9, 'expected at most 1e9 US dollars');
const perMinute = z
  .number({ error: 'expected a whole number per minute' })
  .int('expected a whole number per minute')
  .positive('expected at least 1 per minute');
const isoDate = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 date and time, e.g. 2027-01-31T00:00:00Z',
});

/** The snake_case fields of a key, as the admin API and the key documents of GENAI_API_KEYS write them. */
export const keyFieldsSchema = z.strictObject(
  {
    name: z
      .string({ error: 'expected a string' })
      .min(1, 'expected a name')
      .max(200, 'expected at most 200 characters')
      .optional(),
    team: z
      .string()
      .regex(/^[\w.:-]{1,64}$/, 'expected 1 to 64 letters, digits, "_", ".", ":" or "-"')
      .optional(),
    models: z
      .array(z.string().min(1, 'expected a model address or route name'), {
        error: 'expected an array of model addresses and route names, e.g. ["chat"]',
      })
      .max(1000, 'expected at most 1000 models')
      .optional(),
    limits: z
      .strictObject(
        { requests_per_minute: perMinute.optional(), tokens_per_minute: perMinute.optional() },
        { error: objectError('{ "requests_per_minute", "tokens_per_minute" }') },
      )
      .optional(),
    budget: z
      .strictObject(
        { daily_usd: usd.optional(), monthly_usd: usd.optional() },
        { error: objectError('{ "daily_usd", "monthly_usd" }') },
      )
      .optional(),
    expires_at: isoDate.optional(),
  },
  { error: objectError('{ "name", "team", "models", "limits", "budget", "expires_at" }') },
);

export type KeyFields = z.output<typeof keyFieldsSchema>;

/** A PATCH: the same fields, each one `null` to clear it, plus `disabled`. */
export const keyPatchSchema = z.strictObject({
  name: keyFieldsSchema.shape.name.unwrap().nullable().optional(),
  team: keyFieldsSchema.shape.team.unwrap().nullable().optional(),
  models: keyFieldsSchema.shape.models.unwrap().nullable().optional(),
  limits: keyFieldsSchema.shape.limits.unwrap().nullable().optional(),
  budget: keyFieldsSchema.shape.budget.unwrap().nullable().optional(),
  expires_at: isoDate.nullable().optional(),
  disabled: z.boolean({ error: 'expected true or false' }).optional(),
});

export type KeyPatch = z.output<typeof keyPatchSchema>;

/** A key document entry of GENAI_API_KEYS (and the file and secret forms): the secret or its hash, and fields. */
export const keyEntrySchema = keyFieldsSchema
  .extend({
    key: z.string().min(1, 'expected the key').optional(),
    hash: z.string().regex(HASH_HEX, 'expected 64 hex characters (the SHA-256 of the key)').optional(),
  })
  .refine((e) => (e.key === undefined) !== (e.hash === undefined), {
    error: 'expected exactly one of "key" (the secret) or "hash" (its SHA-256 hex)',
  });

/** The policy of snake_case fields. */
export function policyOf(fields: KeyFields): KeyPolicy {
  return compact({
    name: fields.name,
    team: fields.team,
    models: fields.models,
    limits: fields.limits && {
      requestsPerMinute: fields.limits.requests_per_minute,
      tokensPerMinute: fields.limits.tokens_per_minute,
    },
    budget: fields.budget && { dailyUsd: fields.budget.daily_usd, monthlyUsd: fields.budget.monthly_usd },
    expiresAt: fields.expires_at,
  });
}

/** A record with a PATCH applied: `null` clears a field, an absent one stays. */
export function patched(record: KeyRecord, patch: KeyPatch): KeyRecord {
  const next: Record<string, unknown> = { ...record };
  const set = (field: keyof KeyRecord, value: unknown) => {
    if (value === undefined) return;
    if (value === null) delete next[field];
    else next[field] = value;
  };
  const policy = policyOf({
    ...(patch.limits ? { limits: patch.limits } : {}),
    ...(patch.budget ? { budget: patch.budget } : {}),
  });
  set('name', patch.name);
  set('team', patch.team);
  set('models', patch.models);
  set('limits', patch.limits === null ? null : policy.limits);
  set('budget', patch.budget === null ? null : policy.budget);
  set('expiresAt', patch.expires_at);
  if (patch.disabled !== undefined) {
    if (patch.disabled) next.disabled = true;
    else delete next.disabled;
  }
  return next as unknown as KeyRecord;
}

/** The fields a PATCH changes, for the audit line (names only, never values that could be secrets). */
export function changedFields(patch: KeyPatch): string[] {
  return Object.entries(patch)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}

/** Why a key that matched is refused, or undefined when it may call. */
export function refusal(policy: KeyPolicy, now = Date.now()): 'disabled' | 'expired' | undefined {
  if (policy.disabled) return 'disabled';
  if (policy.expiresAt !== undefined && Date.parse(policy.expiresAt) <= now) return 'expired';
  return undefined;
}

/** How the admin API shows a key: snake_case, never the secret nor its hash. */
export interface KeyView {
  readonly object: 'api_key';
  readonly id: string;
  readonly source: 'environment' | 'admin';
  readonly name: string | null;
  readonly team: string | null;
  readonly models: readonly string[] | null;
  readonly limits: { requests_per_minute: number | null; tokens_per_minute: number | null } | null;
  readonly budget: { daily_usd: number | null; monthly_usd: number | null } | null;
  readonly expires_at: string | null;
  readonly created_at: string | null;
  readonly last_used_at: string | null;
  readonly disabled: boolean;
}

export function keyView(
  id: string,
  policy: KeyPolicy & { readonly createdAt?: string },
  source: KeyView['source'],
  lastUsedAt?: string,
): KeyView {
  return {
    object: 'api_key',
    id,
    source,
    name: policy.name ?? null,
    team: policy.team ?? null,
    models: policy.models ?? null,
    limits: policy.limits
      ? {
          requests_per_minute: policy.limits.requestsPerMinute ?? null,
          tokens_per_minute: policy.limits.tokensPerMinute ?? null,
        }
      : null,
    budget: policy.budget
      ? { daily_usd: policy.budget.dailyUsd ?? null, monthly_usd: policy.budget.monthlyUsd ?? null }
      : null,
    expires_at: policy.expiresAt ?? null,
    created_at: policy.createdAt ?? null,
    last_used_at: lastUsedAt ?? null,
    disabled: policy.disabled === true,
  };
}

/** Drops undefined fields (and objects left empty), so records and policies stay small and comparable. */
function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const inner = compact(v as object);
      if (Object.keys(inner).length > 0) out[k] = inner;
    } else out[k] = v;
  }
  return out as T;
}
