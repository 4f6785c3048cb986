import type { MiddlewareHandler } from 'hono';
import { type AppEnv, whenSent } from '../context.js';
import { HttpError } from '../errors.js';
import type { FrontMetrics } from '../metrics.js';

/**
 * In-flight requests (streams until their last byte) and the draining switch. Its middleware sits right
 * inside the request log, so a request refused while draining is still logged and counted with its 503.
 */
export class Drain {
  private count = 0;
  private isDraining = false;
  private readonly idleWaiters = new Set<() => void>();

  constructor(private readonly metrics: FrontMetrics) {}

  get inFlight(): number {
    return this.count;
  }

  get draining(): boolean {
    return this.isDraining;
  }

  /** Stops taking work: /ready and new requests answer 503 (/health and /metrics still answer). */
  start(): void {
    this.isDraining = true;
  }

  /** Resolves true when nothing is in flight, false if `timeoutMs` passed first. */
  idle(timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (this.count === 0) return resolve(true);
      const done = (value: boolean) => {
        this.idleWaiters.delete(onIdle);
        clearTimeout(timer);
        resolve(value);
      };
      const onIdle = () => done(true);
      this.idleWaiters.add(onIdle);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
    });
  }

  readonly middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    this.enter();
    const info = c.get('info');
    try {
      if (this.isDraining && info.endpoint !== 'health' && info.endpoint !== 'metrics') {
        c.header('connection', 'close');
        throw new HttpError(503, 'the server is shutting down; retry on another instance', {
          code: 'shutting_down',
          headers: { 'retry-after': '1' },
        });
      }
      await next();
    } finally {
      whenSent(info, () => this.leave());
    }
  };

  private enter(): void {
    this.count += 1;
    this.metrics.inFlight.set(this.count);
  }

  private leave(): void {
    this.count -= 1;
    this.metrics.inFlight.set(this.count);
    if (this.count === 0) for (const w of this.idleWaiters) w();
  }
}
