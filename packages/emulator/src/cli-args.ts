import { parseArgs } from 'node:util';
import type { EmulatorOptions, LatencyOptions, SageMakerContainer } from './types.js';

export const USAGE = `Usage: genai-emulator [options]

Local Bedrock, SageMaker, Vertex AI and Azure AI inference endpoints on one port (HTTP/1.1 and h2c).

Options:
  --port <n>                     TCP port, 0 for a free one (default 4010)
  --host <addr>                  Address to listen on (default 127.0.0.1)
  --seed <n>                     Seed of fault rates and jitter (default 0)
  --latency-base-ms <ms>         Delay before every response (default 0)
  --latency-per-token-ms <ms>    Time per output token; paces streams (default 0)
  --latency-per-input-token-ms <ms>  Time per input token (default 0)
  --latency-profile <none|h100>  Add H100-calibrated prefill/decode/embedding costs (default none)
  --latency-scale <x>            Multiply every modelled delay (default 1)
  --latency-jitter <f>           Seeded jitter as a fraction of each delay (default 0)
  --sagemaker-endpoint <name=tgi|embeddings>  Container of a SageMaker endpoint (repeatable)
  -h, --help                     Show this help

Control API: GET /_emulator/requests, GET|POST /_emulator/faults, POST /_emulator/reset.`;

export type CliParse =
  | { kind: 'run'; options: EmulatorOptions }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

function number(
  name: string,
  raw: string | undefined,
  check: (n: number) => boolean,
  expected: string,
): number | string | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !check(value))
    return `--${name} expects ${expected}, received ${JSON.stringify(raw)}`;
  return value;
}

/** Parses the CLI flags; never exits (the caller prints usage and exits 2 on errors). */
export function parseCli(argv: readonly string[]): CliParse {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        'latency-base-ms': { type: 'string' },
        'latency-per-token-ms': { type: 'string' },
        'latency-per-input-token-ms': { type: 'string' },
        'latency-profile': { type: 'string' },
        'latency-scale': { type: 'string' },
        'latency-jitter': { type: 'string' },
        'sagemaker-endpoint': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: 'help' };
  const str = (k: string) => values[k] as string | undefined;
  const nonNegative = (n: number) => n >= 0;
  const parsed = {
    port: number(
      'port',
      str('port') ?? '4010',
      (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
      'an integer from 0 to 65535',
    ),
    seed: number('seed', str('seed'), Number.isInteger, 'an integer'),
    baseMs: number('latency-base-ms', str('latency-base-ms'), nonNegative, 'a number of milliseconds >= 0'),
    perTokenMs: number(
      'latency-per-token-ms',
      str('latency-per-token-ms'),
      nonNegative,
      'a number of milliseconds >= 0',
    ),
    perInputTokenMs: number(
      'latency-per-input-token-ms',
      str('latency-per-input-token-ms'),
      nonNegative,
      'a number of milliseconds >= 0',
    ),
    scale: number('latency-scale', str('latency-scale'), nonNegative, 'a number >= 0'),
    jitter: number(
      'latency-jitter',
      str('latency-jitter'),
      (n) => n >= 0 && n <= 1,
      'a fraction from 0 to 1',
    ),
  };
  for (const value of Object.values(parsed))
    if (typeof value === 'string') return { kind: 'error', message: value };
  const profile = str('latency-profile');
  if (profile !== undefined && profile !== 'none' && profile !== 'h100')
    return {
      kind: 'error',
      message: `--latency-profile expects none or h100, received ${JSON.stringify(profile)}`,
    };
  const sagemakerEndpoints: Record<string, SageMakerContainer> = {};
  for (const entry of (values['sagemaker-endpoint'] as string[] | undefined) ?? []) {
    const [name, kind] = entry.split('=');
    if (!name || (kind !== 'tgi' && kind !== 'embeddings'))
      return {
        kind: 'error',
        message: `--sagemaker-endpoint expects <name>=tgi or <name>=embeddings, received ${JSON.stringify(entry)}`,
      };
    sagemakerEndpoints[name] = kind;
  }
  const latency: LatencyOptions = {
    ...(parsed.baseMs !== undefined && { baseMs: parsed.baseMs as number }),
    ...(parsed.perTokenMs !== undefined && { perTokenMs: parsed.perTokenMs as number }),
    ...(parsed.perInputTokenMs !== undefined && { perInputTokenMs: parsed.perInputTokenMs as number }),
    ...(parsed.scale !== undefined && { scale: parsed.scale as number }),
    ...(parsed.jitter !== undefined && { jitter: parsed.jitter as number }),
    ...(profile !== undefined && { profile: profile as 'none' | 'h100' }),
  };
  return {
    kind: 'run',
    options: {
      port: parsed.port as number,
      host: str('host') ?? '127.0.0.1',
      ...(parsed.seed !== undefined && { seed: parsed.seed as number }),
      ...(Object.keys(latency).length > 0 && { latency }),
      ...(Object.keys(sagemakerEndpoints).length > 0 && { sagemakerEndpoints }),
    },
  };
}
