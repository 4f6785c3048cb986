import { Hono } from 'hono';
import type { AppEnv, FrontState } from '../context.js';

/** `GET /v1/models`: the configured models and routes (only these are served). */
export function modelsRoutes(front: Pick<FrontState, 'catalog'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: front.catalog.list().map((e) => ({
        id: e.name,
        object: 'model',
        created: 0,
        owned_by: e.isRoute ? 'route' : (e.provider ?? 'route'),
        kind: e.kind,
        ...(e.isRoute ? { targets: e.targets.map((t) => t.id) } : {}),
      })),
    }),
  );
  return app;
}
