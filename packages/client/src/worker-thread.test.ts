import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOWER_THREAD_PRIORITY, SharedWorkerThread } from './worker-thread.js';

const DOUBLER = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
${LOWER_THREAD_PRIORITY}
parentPort.on('message', ({ id, values }) => {
  for (let i = 0; i < values.length; i++) values[i] *= 2;
  parentPort.postMessage({ id, values }, [values.buffer]);
});
`;

type Doubled = { id: number; values: Float64Array };

describe('SharedWorkerThread', () => {
  it('answers each call with its own answer, on one thread, transferring the buffers', async () => {
    const thread = new SharedWorkerThread<{ values: Float64Array }, Doubled>(DOUBLER, 'test doubler');
    const inputs = Array.from({ length: 20 }, (_, i) => Float64Array.of(i, i + 0.5));
    const answers = await Promise.all(inputs.map((values) => thread.call({ values }, [values.buffer])));
    expect(answers.map((a) => [...a.values])).toEqual(
      Array.from({ length: 20 }, (_, i) => [2 * i, 2 * i + 1]),
    );
    expect(inputs.every((v) => v.byteLength === 0)).toBe(true); // moved, not copied
  });

  it('a thread that dies before its first answer is not started again: later calls fail at once', async () => {
    const thread = new SharedWorkerThread<{ n: number }, { id: number }>(
      'throw new Error("boom")',
      'test broken',
    );
    await expect(thread.call({ n: 1 }, [])).rejects.toThrow(/boom/);
    const started = performance.now();
    await expect(thread.call({ n: 2 }, [])).rejects.toThrow(
      /test broken thread failed before its first answer \(boom\); work is done on the event loop instead/,
    );
    expect(performance.now() - started).toBeLessThan(20); // no new thread started
  });

  it('runs when the process evaluates code as ES modules (--input-type=module: the worker inherits it)', () => {
    // The front's benchmark and any `node --input-type=module -e` host start the worker in module mode, where a
    // source using `require` dies at its first line.
    const here = fileURLToPath(new URL('./worker-thread.ts', import.meta.url));
    const script = `
      const { SharedWorkerThread } = await import(${JSON.stringify(here)});
      const thread = new SharedWorkerThread(${JSON.stringify(DOUBLER)}, 'esm doubler');
      const values = Float64Array.of(1.5, 4);
      const answer = await thread.call({ values }, [values.buffer]);
      console.log(JSON.stringify([...answer.values]));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('[3,8]');
  });
});
