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
