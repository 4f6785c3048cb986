#!/usr/bin/env node
// The package's bin. npm links a bin at install time, and in a checkout `dist/` only exists after a build, so a
// bin pointing into dist/ is not linked by `npm ci` and `npx genai-emulator` fails. This launcher is committed:
// the published package (and a built checkout) runs dist/cli.js; an unbuilt checkout runs src/cli.ts through
// tsx (the workspace's devDependency) with the workspace's source condition, in a child process because a
// condition can only be set on the command line.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);
const source = new URL('../src/cli.ts', import.meta.url);

if (existsSync(built)) {
  await import(built.href);
} else if (existsSync(source)) {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    process.stderr.write(
      `genai-emulator: ${fileURLToPath(built)} does not exist and tsx cannot be found to run ${fileURLToPath(source)}; run \`npm ci\` (tsx is a devDependency of the workspace) or \`npm run build -w @genai-deploy/emulator\`\n`,
    );
    process.exit(1);
  }
  const child = spawn(
    process.execPath,
    ['--import', tsx, '--conditions=@genai-deploy/source', fileURLToPath(source), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  // Ctrl-C already reaches the child (the whole foreground group gets it; passing it on would signal the CLI
  // twice, and its second SIGINT kills it mid-close): wait for it to stop. A SIGTERM from a process manager
  // targets this process alone, so it is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
} else {
  process.stderr.write(
    `genai-emulator: neither ${fileURLToPath(built)} nor ${fileURLToPath(source)} exists; reinstall @genai-deploy/emulator\n`,
  );
  process.exit(1);
}
