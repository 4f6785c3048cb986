import { FRONT_ENV } from '@genai-deploy/config';
import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout. Redaction is a second line of defence: the front never puts prompts,
 * completions or keys in a log line unless `logPrompts` is on, and these paths are censored regardless.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env[FRONT_ENV.logLevel.name] ?? 'info',
      base: { service: 'genai-front' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'authorization',
          'headers.authorization',
          'headers["x-api-key"]',
          'apiKey',
          'password',
          '*.apiKey',
        ],
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination as never,
  );
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
