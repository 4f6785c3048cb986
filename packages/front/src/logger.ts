import { FRONT_ENV } from '@genai-deploy/config';
import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout. Censoring is a second line of defence: the front never puts prompts,
 * completions or keys in a log line unless `logPrompts` is on, and these fields are censored regardless:
 * `authorization`, `apiKey`, `password`, `headers.authorization`, `headers["x-api-key"]` and `<any>.apiKey`.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env[FRONT_ENV.logLevel.name] ?? 'info',
      base: { service: 'genai-front' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: censorSecrets },
    },
    options.destination as never,
  );
}

const CENSORED = '[redacted]';
const SECRET_FIELDS = ['authorization', 'apiKey', 'password'] as const;
const SECRET_HEADERS = ['authorization', 'x-api-key'] as const;

/**
 * The log object with its secret fields censored (a copy; the caller's object is left alone), or the object itself
 * when it has none. In place of pino's `redact` option, which copies every line it writes (~3 µs and 4 KB of
 * garbage for the request line, which never holds these fields): a line is copied only when it holds one.
 */
export function censorSecrets(object: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  const put = (key: string, value: unknown) => {
    out ??= { ...object };
    out[key] = value;
  };
  for (const field of SECRET_FIELDS) if (object[field] !== undefined) put(field, CENSORED);
  for (const key in object) {
    const value = object[key];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const nested = value as Record<string, unknown>;
    const secretHeaders = key === 'headers' && SECRET_HEADERS.some((h) => nested[h] !== undefined);
    if (nested.apiKey === undefined && !secretHeaders) continue;
    const copy: Record<string, unknown> = { ...nested };
    if (copy.apiKey !== undefined) copy.apiKey = CENSORED;
    if (secretHeaders) for (const h of SECRET_HEADERS) if (copy[h] !== undefined) copy[h] = CENSORED;
    put(key, copy);
  }
  return out ?? object;
}

const SECRETS: readonly [RegExp, string][] = [
  // key=value and key: value secrets (password=..., "token": "...", Authorization: Bearer ...).
  [
    /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key(?:[_-]?id)?|secret[_-]?access[_-]?key|session[_-]?token|authorization|credential|signature|x-api-key)("?\s*[=:]\s*"?)(?:bearer\s+)?[^\s"',;&]+/gi,
    '$1$2[redacted]',
  ],
  [/\barn:aws[\w-]*:[^\s"',;]+/gi, '[arn]'],
  [/\bhttps?:\/\/[^\s"',;]+/gi, '[url]'],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[access-key-id]'],
  [/(?<![\w.-])\d{12}(?![\w.-])/g, '[account]'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '[address]'],
  [
    /\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|dev|cloud|internal|local|corp|lan|intra|example|amazonaws|azure|windows|googleapis|goog)\b(?::\d+)?/gi,
    '[host]',
  ],
];

/**
 * A provider's or the system's text made fit for the log: ARNs, account ids (12 digits), access key ids, URLs,
 * host names, IPv4 addresses and key=value secrets replaced by placeholders. What is left (error names, the
 * reason in words) is what an operator needs to answer a caller who quotes the request id.
 */
export function redactSecrets(text: string): string {
  let out = text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  return out;
}
