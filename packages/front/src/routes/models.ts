import { Hono } from 'hono';
import type { AppEnv, FrontState } from '../context.js';
import { allowsModel } from '../keys/access.js';

/** `GET /v1/models`: the configured models and routes (only these are served) that the caller's key may use. */
export function modelsRoutes(front: Pick<FrontState, 'catalog'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: front.catalog
        .list()
        .filter((e) => allowsModel(c.get('caller'), e.name))
        .map((e) => ({
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
