/**
 * `npm start`: the emulator of the four clouds and the OpenAI-compatible front wired to it, with no cloud
 * credentials. PORT (front, default 8787) and EMULATOR_PORT (default 4010) choose the ports;
 * GENAI_API_KEYS sets the accepted keys (in every form the front reads), else one is generated and printed, and
 * GENAI_ADMIN_KEYS the admin API's keys, likewise. `--config <file>` (or GENAI_CONFIG_FILE) layers your
 * configuration over the defaults (local-config.ts says how). Ctrl-C stops both.
 */
import { parseArgs } from 'node:util';
import { ConfigError, FRONT_ENV } from '@genai-deploy/config';
import { loadAdminKeys, loadApiKeys } from '@genai-deploy/front';
import { banner } from './banner.js';
import { readConfigFile, resolveConfigPath } from './local-config.js';
import { startLocalPlatform } from './platform.js';

const USAGE = `usage: npm start [-- --config <file>]

  --config, -c <file>  a JSON front configuration layered over the local defaults (also GENAI_CONFIG_FILE);
                       a relative path is read from the directory you ran npm start in
  --help, -h           this text

environment: PORT (8787), EMULATOR_PORT (4010), ${FRONT_ENV.apiKeys.name} and ${FRONT_ENV.adminKeys.name} (and their
  _FILE / _SECRET_ARN forms, as the front reads them; else one of each is generated), LOG_LEVEL`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    fail(`${name} must be a TCP port number (0-65535); got "${raw}"`);
  return n;
}

let args: { config?: string; help?: boolean };
try {
  args = parseArgs({
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  }).values;
} catch (e) {
  fail(`${(e as Error).message}\n\n${USAGE}`);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const fileVar = FRONT_ENV.configFile.name;
const given = args.config ?? (process.env[fileVar] || undefined);
const from = args.config !== undefined ? '--config' : fileVar;
const configFile = given === undefined ? undefined : resolveConfigPath(given);
const config =
  configFile === undefined
    ? undefined
    : await readConfigFile(configFile, from).catch((e: Error) => fail(e.message));

// The front's own loaders: every form it takes (lists, key documents with policies, files, secrets).
const keysFromEnv = await loadApiKeys(process.env).catch((e: Error) => fail(`API keys: ${e.message}`));
const adminKeysFromEnv = await loadAdminKeys(process.env).catch((e: Error) =>
  fail(`admin keys: ${e.message}`),
);
const platform = await startLocalPlatform({
  port: port('PORT', 8787),
  emulatorPort: port('EMULATOR_PORT', 4010),
  ...(keysFromEnv.size > 0 && { apiKeys: keysFromEnv }),
  ...(adminKeysFromEnv && { adminKeys: adminKeysFromEnv }),
  ...(config && configFile && { config, configSource: `${configFile} (${from})` }),
}).catch((e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof ConfigError) fail(err.message);
  fail(
    err.code === 'EADDRINUSE'
      ? `a port is already in use (${err.message}); set PORT and/or EMULATOR_PORT to free ports`
      : `could not start the local platform: ${err.message}`,
    1,
  );
});

console.log(
  banner({
    frontUrl: platform.front.url,
    emulatorUrl: platform.emulator.url,
    apiKey: platform.apiKeys[0],
    adminKey: platform.adminKeys[0],
    layered: platform.layered,
    configFile: configFile && `${configFile} (${from})`,
  }),
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the front and the emulator...`);
  platform.close(5000).then(
    () => {
      console.log('stopped');
      process.exit(0);
    },
    (e: unknown) => {
      console.error(`shutdown failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
