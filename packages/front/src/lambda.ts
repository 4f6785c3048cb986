/**
 * AWS Lambda entry for a Function URL in RESPONSE_STREAM mode: SSE chunks reach the caller as they are
 * produced. Configuration and keys come from the environment (see README); the front is built on the first
 * invocation and reused while the execution environment is warm.
 *
 * Bundle with esbuild (ESM or CJS). `@aws-sdk/*` may stay external: the Lambda Node runtime provides it.
 */
import { Hono } from 'hono';
import { streamHandle } from 'hono/aws-lambda';
import type { Front } from './app.js';
import { createFrontFromEnv } from './runtime.js';
import { flushRegisteredProvider, startTracing, tracerProviderRegistered } from './tracing/setup.js';

let front: Promise<Front> | undefined;

/**
 * The front for this execution environment; a failed start is retried on the next invocation. Tracing starts
 * first when OTEL_* asks for it (unless the ADOT layer registered its SDK already) and lives as long as the
 * execution environment.
 */
function getFront(): Promise<Front> {
  front ??= startTracing()
    .then(() => createFrontFromEnv())
    .catch((e: unknown) => {
      front = undefined;
      throw e;
    });
  return front;
}

/**
 * Lambda freezes the environment once the response is over, and a frozen batch processor exports nothing: as
 * the ADOT layer does, the spans are flushed at the end of each invocation, here before the body's end reaches
 * the caller (the server span ends with the last byte). Without tracing the response is passed on untouched.
 */
async function flushedAtEnd(res: Response): Promise<Response> {
  if (!tracerProviderRegistered()) return res;
  if (!res.body) {
    await flushRegisteredProvider().catch(() => undefined);
    return res;
  }
  const flushing = new TransformStream<Uint8Array, Uint8Array>({
    // A turn of the event loop first: the server span ends when the stream's end has been seen (whenSent).
    flush: async () => {
      await new Promise((r) => setImmediate(r));
      await flushRegisteredProvider().catch(() => undefined);
    },
  });
  return new Response(res.body.pipeThrough(flushing), res);
}

/** Delegates to the front once it is built; a start-up failure answers 500 in OpenAI's shape. */
export const app = new Hono();
app.all('*', async (c) => {
  let f: Front;
  try {
    f = await getFront();
  } catch (e) {
    console.error(
      JSON.stringify({ level: 'error', msg: 'front failed to start', err: (e as Error).message }),
    );
    return c.json(
      {
        error: {
          message: 'the gateway is misconfigured; see its logs',
          type: 'server_error',
          param: null,
          code: 'startup_failed',
        },
      },
      500,
    );
  }
  return await flushedAtEnd(await f.app.fetch(c.req.raw, c.env));
});

declare const awslambda: unknown;

/**
 * The streaming handler. `awslambda` is a global of the Lambda Node runtime; elsewhere (tests, bundlers'
 * analysis) the handler explains itself instead of failing at import.
 */
export const handler: ReturnType<typeof streamHandle> =
  typeof awslambda === 'undefined'
    ? async () => {
        throw new Error('the front handler runs inside AWS Lambda (the awslambda global is missing)');
      }
    : streamHandle(app);
