import { type TransferListItem, Worker } from 'node:worker_threads';

/**
 * Worker source that lowers the thread's own priority below the event loop's (Linux: the thread's nice value, +10;
 * elsewhere nothing): under CPU contention the bulk work on the thread waits, not the loop's short tasks (/health
 * among them); on an idle machine it runs as fast as before. Put it first in a worker's source.
 */
export const LOWER_THREAD_PRIORITY = `
try {
  const os = process.getBuiltinModule('node:os');
  const tid = Number(process.getBuiltinModule('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  os.setPriority(tid, Math.min(19, os.getPriority(tid) + 10));
} catch {}
`;

/**
 * One worker thread per process for one kind of bulk work, evaluated from source (`eval: true`, so bundlers and the
 * published package carry it inside the module that uses it). Messages carry an `id`, and the worker answers each
 * with a message of the same `id`. Started on the first call, referenced only while a call is pending (an idle worker
 * never keeps a process alive), replaced if it dies (the calls pending on it fail). A worker that dies before its
 * first answer is not started again: every later call fails at once with that error, so callers fall back to
 * their inline path instead of paying a thread's start-up per call.
 *
 * Sources reach Node's modules through `process.getBuiltinModule` (Node >= 20.16), not `require`: a worker inherits
 * the process's `execArgv`, and under `--input-type=module` its source is evaluated as an ES module, where
 * `require` does not exist.
 */
export class SharedWorkerThread<Message extends object, Answer extends { readonly id: number }> {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, { resolve(answer: Answer): void; reject(error: unknown): void }>();
  #nextId = 0;
  #broken: Error | undefined;

  constructor(
    private readonly source: string,
    /** The thread's name (in profiles and the exit error). */
    private readonly name: string,
  ) {}

  /** Sends `message` with a fresh id, transferring `transfer`; resolves with the worker's answer. */
  call(message: Message, transfer: readonly TransferListItem[]): Promise<Answer> {
    if (this.#broken) return Promise.reject(this.#broken);
    const worker = this.#start();
    const id = this.#nextId++;
    if (this.#pending.size === 0) worker.ref();
    return new Promise<Answer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id }, [...transfer]);
    });
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.source, { eval: true, name: this.name });
    worker.unref();
    let answered = false;
    worker.on('message', (answer: Answer) => {
      answered = true;
      const waiting = this.#pending.get(answer.id);
      this.#pending.delete(answer.id);
      if (this.#pending.size === 0) worker.unref();
      waiting?.resolve(answer);
    });
    const fail = (error: unknown) => {
      if (this.#worker === worker) this.#worker = undefined;
      if (!answered) {
        this.#broken = new Error(
          `the ${this.name} thread failed before its first answer (${error instanceof Error ? error.message : String(error)}); work is done on the event loop instead`,
        );
      }
      const waiting = [...this.#pending.values()];
      this.#pending.clear();
      for (const p of waiting) p.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the ${this.name} thread exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }
}
