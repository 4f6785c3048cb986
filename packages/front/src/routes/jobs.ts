import { Hono } from 'hono';
import { withBudget } from '../budget.js';
import { chatCompletion, completionId, type PreparedChat, prepareChat, withRemoteImages } from '../chat.js';
import type { AppEnv, FrontState } from '../context.js';
import { HttpError } from '../errors.js';
import { type JobOutcome, type JobRecord, JobRunner, jobId } from '../jobs.js';
import { admission, settleTokens } from '../middleware/admission.js';
import { errSummary, toHttpError } from '../middleware/errors.js';
import { chargeAnswer } from './answer.js';

/** Job worker tuning; `workers: false` only accepts and serves jobs (another instance runs them). */
export interface JobWorkerOptions {
  readonly workers?: boolean;
  readonly leaseMs?: number;
  readonly pollMs?: number;
}

/** The job runner of one front, and whether this instance runs jobs at all. */
export interface JobWorkers {
  readonly runner: JobRunner;
  readonly workers: boolean;
}

/** Starts the front's job workers (unless `workers: false`): chat requests run in the background. */
export function startJobWorkers(front: FrontState, options: JobWorkerOptions = {}): JobWorkers {
  const runner = new JobRunner(
    front.jobs,
    (job, signal) => runJob(front, job, signal),
    {
      concurrency: front.config.limits.jobConcurrency,
      ttlMs: front.config.limits.jobTtlSeconds * 1000,
      ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    },
    (e, job) => front.logger.error({ jobId: job?.id, err: errSummary(e) }, 'job runner error'),
  );
  const workers = options.workers ?? true;
  if (workers) runner.start();
  return { runner, workers };
}

/**
 * `POST /v1/jobs` (a chat request without `stream`, queued: 202 and a Location) and `GET /v1/jobs/{id}`
 * (only the key that created a job can read it); results are kept for limits.jobTtlSeconds.
 */
export function jobsRoutes(front: FrontState, jobs: JobWorkers): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { jobTtlSeconds } = front.config.limits;
  app.post('/v1/jobs', admission(front, prepareJob(front)), async (c) => {
    const { prepared, charged } = c.get('admitted');
    c.get('info').model = prepared.entry.name;
    const record: JobRecord = {
      id: jobId(),
      owner: c.get('caller').id,
      status: 'queued',
      createdAt: Date.now(),
      attempts: 0,
      request: prepared.body,
      charged,
    };
    try {
      await front.jobs.create(record, jobTtlSeconds * 1000);
    } catch (e) {
      throw new HttpError(503, 'the job queue is unavailable; retry later', {
        code: 'queue_unavailable',
        headers: { 'retry-after': '5' },
        cause: e,
      });
    }
    front.metrics.jobs.inc({ status: 'queued' });
    if (jobs.workers) jobs.runner.kick();
    c.header('location', `/v1/jobs/${record.id}`);
    return c.json(jobView(record), 202);
  });

  app.get('/v1/jobs/:id', async (c) => {
    c.get('info').endpoint = 'jobs';
    const id = c.req.param('id');
    const job = /^job_[\w-]{1,64}$/.test(id) ? await front.jobs.get(id) : undefined;
    // Another key's job is indistinguishable from a missing one.
    if (!job || job.owner !== c.get('caller').id) {
      throw new HttpError(
        404,
        `no job ${id.slice(0, 80)} for this API key (jobs expire ${jobTtlSeconds} s after they finish)`,
        { code: 'job_not_found', param: 'id' },
      );
    }
    return c.json(jobView(job));
  });
  return app;
}

function prepareJob(front: FrontState) {
  return (raw: unknown): PreparedChat => {
    const p = prepareChat(raw, front.catalog, { images: front.config.images });
    // A job would answer ungrounded: grounding (vector-stores/grounding.ts) runs on /v1/chat/completions only.
    if (p.entry.isRoute && front.config.routes[p.entry.name]?.retrieval) {
      throw new HttpError(
        400,
        `invalid model: the route "${p.entry.name}" grounds its answers in vector stores, which jobs do not do; send the request to /v1/chat/completions`,
        { param: 'model', code: 'invalid_value' },
      );
    }
    if (p.stream) {
      throw new HttpError(
        400,
        'invalid stream: a job cannot stream; omit "stream" and read the result from GET /v1/jobs/{id}',
        { param: 'stream', code: 'invalid_value' },
      );
    }
    return p;
  };
}

async function runJob(front: FrontState, job: JobRecord, signal: AbortSignal): Promise<JobOutcome> {
  let prepared: PreparedChat;
  try {
    prepared = await withRemoteImages(
      front,
      prepareChat(job.request, front.catalog, { images: front.config.images }),
      signal,
    );
  } catch (e) {
    // The configuration changed under a queued job (its model is gone): fail it like a request.
    const err = toHttpError(e, 'unknown', job.id);
    return { ok: false, status: err.status, body: err.toBody() };
  }
  const model = prepared.entry.name;
  const charged = job.charged ?? prepared.estimatedInputTokens;
  try {
    // The key's budgets apply when the job runs (429 budget_exceeded as its error), with its policy of then.
    const caller = await front.keys.callerById(job.owner);
    const { result } = await withBudget(front.budgets, caller, prepared.entry, prepared.request, () =>
      front.client.generate(front.scoped({ ...prepared.request, signal }, job.owner)),
    );
    chargeAnswer(front, model, job.owner, charged, result);
    front.metrics.jobs.inc({ status: 'succeeded' });
    front.logger.info(
      {
        jobId: job.id,
        model,
        provider: result.provider,
        tokensIn: result.usage.inputTokens,
        tokensOut: result.usage.outputTokens,
        attempts: result.attempts,
        key: job.owner,
      },
      'job succeeded',
    );
    return { ok: true, result: chatCompletion(result, completionId(), Math.floor(Date.now() / 1000)) };
  } catch (e) {
    if (signal.aborted) throw e;
    settleTokens(front, job.owner, charged);
    const err = toHttpError(e, model, job.id, prepared.messageIndex);
    front.metrics.jobs.inc({ status: 'failed' });
    front.logger.warn(
      { jobId: job.id, model, status: err.status, err: errSummary(e), key: job.owner },
      'job failed',
    );
    return { ok: false, status: err.status, body: err.toBody() };
  }
}

/** A job as the API shows it: OpenAI-style snake_case seconds, the error body without its wrapper. */
function jobView(job: JobRecord) {
  return {
    id: job.id,
    object: 'job',
    status: job.status,
    created_at: Math.floor(job.createdAt / 1000),
    ...(job.startedAt !== undefined ? { started_at: Math.floor(job.startedAt / 1000) } : {}),
    ...(job.finishedAt !== undefined ? { completed_at: Math.floor(job.finishedAt / 1000) } : {}),
    attempts: job.attempts,
    ...(job.result !== undefined ? { result: job.result } : {}),
    ...(job.error !== undefined
      ? { error: (job.error.body as { error?: unknown }).error ?? job.error.body }
      : {}),
  };
}
