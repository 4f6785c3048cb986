import type { Chunk, VectorIndex } from '@genai-deploy/client/retrieval';
import type { VectorStoreConfig } from '@genai-deploy/config';
import type { FrontState } from '../context.js';
import { HttpError } from '../errors.js';
import { type JobOutcome, type JobRecord, JobRunner, type JobStore, jobId } from '../jobs.js';
import { errSummary } from '../middleware/errors.js';
import { chunkText } from './chunking.js';
import { embedTexts } from './embedder.js';
import { extractText, fileFormat } from './file-text.js';
import type { StoreFileOutcome, VectorStoreMetadata } from './metadata.js';
import type { LastError, StoreFileRecord } from './records.js';

/** Ingestion tuning. */
export interface IngestionOptions {
  /** Files ingested at once by this instance. @default 2 */
  readonly concurrency?: number;
  /** How often an idle worker looks for queued files (other instances' uploads). @default 1000 */
  readonly pollMs?: number;
  /** Chunks embedded per client call (the client merges and splits further). @default 64 */
  readonly batchSize?: number;
  /** Batches embedded and upserted at once within one file. @default 4 */
  readonly batchConcurrency?: number;
  /** `false`: this instance only queues files (another runs the workers). @default true */
  readonly workers?: boolean;
}

/** What one queued ingestion names; the job's owner is the store's owner. */
interface IngestRequest {
  readonly vectorStoreId: string;
  readonly fileId: string;
  readonly run: string;
}

/** A run interrupted this many times (its instance kept dying) fails instead of being tried again. */
const MAX_ATTEMPTS = 3;

export interface IngestionDeps {
  readonly front: Pick<FrontState, 'client' | 'scoped' | 'limits' | 'metrics' | 'logger'>;
  readonly config: VectorStoreConfig;
  readonly index: VectorIndex;
  readonly meta: VectorStoreMetadata;
  /** The queue: the jobs machinery's store (Redis when the front has it, so any instance may run a file). */
  readonly jobs: JobStore;
  /** The id a store's chunks carry in the index: the owner's scope and the store id. */
  readonly scopedStoreId: (owner: string, storeId: string) => string;
  /** Creates the index on first use. */
  readonly ready: () => Promise<void>;
}

/**
 * Background ingestion of attached files on the jobs machinery (jobs.ts): a queued job per attachment, leased while
 * it runs, claimed again by any instance if its worker dies. A file is parsed, chunked, embedded in batches and
 * upserted; its attachment is then settled `completed` or `failed` with `last_error`.
 */
export class Ingestion {
  private readonly runner: JobRunner;
  private readonly workers: boolean;

  constructor(
    private readonly deps: IngestionDeps,
    private readonly options: IngestionOptions = {},
  ) {
    this.runner = new JobRunner(
      deps.jobs,
      (job, signal) => this.execute(job, signal),
      {
        concurrency: options.concurrency ?? 2,
        // The attempts are counted here, so that a given-up run still settles its attachment.
        maxAttempts: Number.MAX_SAFE_INTEGER,
        ttlMs: 3_600_000,
        ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      },
      (e, job) => deps.front.logger.error({ jobId: job?.id, err: errSummary(e) }, 'ingestion runner error'),
    );
    this.workers = options.workers ?? true;
    if (this.workers) this.runner.start();
  }

  /** Queues the attachment's ingestion. */
  async enqueue(record: StoreFileRecord): Promise<void> {
    const request: IngestRequest = {
      vectorStoreId: record.vectorStoreId,
      fileId: record.id,
      run: record.run,
    };
    await this.deps.jobs.create(
      { id: jobId(), owner: record.owner, status: 'queued', createdAt: Date.now(), attempts: 0, request },
      3_600_000,
    );
    if (this.workers) this.runner.kick();
  }

  /** Stops claiming; files still running after `drainMs` go back to the queue. */
  stop(drainMs = 0): Promise<void> {
    return this.runner.stop(drainMs);
  }

  private async execute(job: JobRecord, signal: AbortSignal): Promise<JobOutcome> {
    const request = job.request as IngestRequest;
    const { meta, front } = this.deps;
    const record = await meta.storeFile(job.owner, request.vectorStoreId, request.fileId);
    if (!record || record.run !== request.run || record.status !== 'in_progress')
      return { ok: true, result: null };
    let outcome: StoreFileOutcome;
    if (job.attempts > MAX_ATTEMPTS) {
      outcome = failed(
        'server_error',
        `ingestion was interrupted ${MAX_ATTEMPTS} times; attach the file again`,
      );
    } else {
      try {
        outcome = await this.ingest(record, signal);
      } catch (e) {
        if (signal.aborted) throw e;
        outcome = failure(e);
        front.logger.warn(
          { vectorStoreId: record.vectorStoreId, fileId: record.id, err: errSummary(e) },
          'vector store file failed',
        );
      }
    }
    const settled = await meta.settleStoreFile(
      job.owner,
      record.vectorStoreId,
      record.id,
      record.run,
      outcome,
    );
    // Detached or attached again meanwhile: chunks this run wrote (a batch in flight during the detach) must not
    // outlive it.
    if (!settled) await this.removeStale(record);
    return { ok: true, result: null };
  }

  private async ingest(record: StoreFileRecord, signal: AbortSignal): Promise<StoreFileOutcome> {
    const { meta, index, config, front } = this.deps;
    const [file, bytes] = await Promise.all([
      meta.file(record.owner, record.id),
      meta.fileBytes(record.owner, record.id),
    ]);
    if (!file || !bytes) return failed('invalid_file', 'the file was deleted before it was processed');
    const text = extractText(bytes, file.format ?? fileFormat(file.filename), file.filename);
    const texts = chunkText(text, record.chunking);
    const storeId = this.deps.scopedStoreId(record.owner, record.vectorStoreId);
    await this.deps.ready();
    // A run again (after an interruption, or a new attachment of the file) starts from a clean slate.
    await index.deleteByFile(storeId, record.id);
    const size = this.options.batchSize ?? 64;
    const batches: number[] = [];
    for (let i = 0; i < texts.length; i += size) batches.push(i);
    let usage = 0;
    await pool(batches, this.options.batchConcurrency ?? 4, async (from) => {
      if (!(await this.current(record))) throw new Stale();
      const slice = texts.slice(from, from + size);
      const vectors = await embedTexts(front, config, record.owner, slice, 'document', signal);
      const chunks: Chunk[] = slice.map((t, i) => ({
        id: `${storeId}:${record.id}:${from + i}`,
        vectorStoreId: storeId,
        fileId: record.id,
        filename: record.filename,
        text: t,
        vector: vectors[i]!,
        ...(record.attributes ? { attributes: record.attributes } : {}),
      }));
      await index.upsert(chunks);
      usage += slice.reduce((n, t) => n + Buffer.byteLength(t) + config.dimension * 4, 0);
    });
    return { status: 'completed', lastError: null, usageBytes: usage, chunks: texts.length };
  }

  /** Whether this run still owns the attachment (not detached, not attached again). */
  private async current(record: StoreFileRecord): Promise<boolean> {
    const now = await this.deps.meta.storeFile(record.owner, record.vectorStoreId, record.id);
    return now?.run === record.run;
  }

  private async removeStale(record: StoreFileRecord): Promise<void> {
    if (await this.current(record)) return;
    const storeId = this.deps.scopedStoreId(record.owner, record.vectorStoreId);
    // Attached again: the new run clears the file's chunks itself when it starts.
    const again = await this.deps.meta.storeFile(record.owner, record.vectorStoreId, record.id);
    if (!again) await this.deps.index.deleteByFile(storeId, record.id);
  }
}

class Stale extends Error {
  constructor() {
    super('the attachment was removed or replaced while it was being ingested');
  }
}

const SHOWN_KINDS = new Set([
  'invalid-request',
  'context-length',
  'throttled',
  'unavailable',
  'timeout',
  'circuit-open',
]);

function failed(code: LastError['code'], message: string): StoreFileOutcome {
  return { status: 'failed', lastError: { code, message }, usageBytes: 0, chunks: 0 };
}

/** A failed run's `last_error`: our 400s say what is wrong with the file, the rest is the server's side. */
function failure(e: unknown): StoreFileOutcome {
  if (e instanceof HttpError && e.status === 400) {
    return failed(e.code === 'unsupported_file' ? 'unsupported_file' : 'invalid_file', e.message);
  }
  if (e instanceof Stale) return failed('server_error', e.message);
  const kind = (e as { kind?: unknown })?.kind;
  // Kinds about our side of the wire (credentials, a broken model) may name accounts: the log has them, not the caller.
  const message =
    e instanceof HttpError
      ? e.message
      : typeof kind === 'string' && SHOWN_KINDS.has(kind)
        ? `embedding or indexing failed (${kind}): ${(e as Error).message.slice(0, 300)}`
        : 'ingestion failed on the server; attach the file again, and tell the operator if it keeps failing';
  return failed('server_error', message);
}

/** Runs `fn` over `items`, at most `limit` at once; the first failure stops new work and is thrown. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let error: unknown;
  const worker = async () => {
    while (error === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        error ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (error !== undefined) throw error;
}
