#!/usr/bin/env node
import { parseCli, USAGE } from './cli-args.js';
import { startEmulator } from './server.js';

const parsed = parseCli(process.argv.slice(2));
if (parsed.kind === 'help') {
  process.stdout.write(`${USAGE}\n`);
} else if (parsed.kind === 'error') {
  process.stderr.write(`genai-emulator: ${parsed.message}\n\n${USAGE}\n`);
  process.exitCode = 2;
} else {
  try {
    const emulator = await startEmulator(parsed.options);
    // The URL alone on stdout, so scripts can read it; the rest goes to stderr.
    process.stdout.write(`${emulator.url}\n`);
    process.stderr.write(
      `genai-emulator: Bedrock, SageMaker, Vertex AI and Azure AI inference on ${emulator.url} (Ctrl-C to stop)\n`,
    );
    const stop = () => {
      void emulator.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    process.stderr.write(
      `genai-emulator: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
