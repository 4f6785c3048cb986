/**
 * The Redis connection the client accepts wherever it takes one (`cache.redis`'s `client`, `rateLimit.redis`,
 * `redisChunkTextStore({ redis })`): the few ioredis methods it calls, declared structurally so that an ioredis
 * client of any version the user installed (5.x, 6.x) type-checks, not only the copy this package depends on.
 */
export interface RedisConnection {
  /** ioredis's connection state (`'ready'` when connected). */
  readonly status: string;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  getBuffer(key: string): Promise<Buffer | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  mgetBuffer(...keys: string[]): Promise<(Buffer | null)[]>;
  smembers(key: string): Promise<string[]>;
  set(key: string, value: string | Buffer, px: 'PX', ms: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<unknown>;
  eval(script: string, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown>;
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void;
  pipeline(): { exec(): Promise<[Error | null, unknown][] | null> };
  multi(): { exec(): Promise<[Error | null, unknown][] | null> };
  quit(): Promise<unknown>;
  disconnect(): void;
}
