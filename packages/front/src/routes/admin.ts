import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv, FrontState } from '../context.js';
import { HttpError } from '../errors.js';
import { GRACE_SECONDS, type KeyRing } from '../keys/key-ring.js';
import { changedFields, isKeyId, keyFieldsSchema, keyPatchSchema, policyOf } from '../keys/record.js';
import type { TeamBudget } from '../keys/store.js';
import { parseBody } from '../openai-schema.js';

const teamSchema = z.strictObject({
  budget: keyFieldsSchema.shape.budget.unwrap().nullable(),
});

const TEAM = /^[\w.:-]{1,64}$/;

const rotateSchema = z.strictObject({
  grace_seconds: z
    .number({ error: 'expected a whole number of seconds' })
    .int('expected a whole number of seconds')
    .min(0, 'expected 0 or more seconds')
    .max(GRACE_SECONDS.max, `expected at most ${GRACE_SECONDS.max} seconds (7 days)`)
    .optional(),
});

/**
 * The admin API, behind the admin keys (app.ts): `POST /admin/keys` (the secret is in this answer only),
 * `GET /admin/keys`, `GET|PATCH|DELETE /admin/keys/{id}` and `POST /admin/keys/{id}/rotate` (the old secret stays
 * valid for `grace_seconds`), `GET /admin/teams` and `PUT /admin/teams/{team}` (a team's budget). Keys of the
 * environment are listed but changed there (409). Every change leaves
 * one audit line: the admin key's id, the action, the key's id and the fields changed, never a secret.
 */
export function adminRoutes(front: Pick<FrontState, 'logger'>, ring: KeyRing): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const audit = (c: Context<AppEnv>, action: string, target: string, changed?: readonly string[]) =>
    front.logger.info(
      {
        event: 'audit',
        actor: c.get('caller').id,
        action,
        target,
        ...(changed ? { changed } : {}),
        requestId: c.get('requestId'),
      },
      `admin ${action}`,
    );

  app.post('/admin/keys', async (c) => {
    const fields = parseBody(keyFieldsSchema, await readJson(c));
    const { view, secret } = await ring.create(fields);
    audit(c, 'key.create', view.id, Object.keys(fields));
    return c.json({ ...view, key: secret }, 201);
  });

  app.get('/admin/keys', async (c) => c.json({ object: 'list', data: await ring.list() }));

  app.get('/admin/keys/:id', async (c) => c.json(await ring.view(keyId(c))));

  app.patch('/admin/keys/:id', async (c) => {
    const id = keyId(c);
    const patch = parseBody(keyPatchSchema, await readJson(c));
    const view = await ring.update(id, patch);
    audit(c, 'key.update', id, changedFields(patch));
    return c.json(view);
  });

  app.delete('/admin/keys/:id', async (c) => {
    const id = keyId(c);
    await ring.remove(id);
    audit(c, 'key.delete', id);
    return c.json({ object: 'api_key', id, deleted: true });
  });

  app.post('/admin/keys/:id/rotate', async (c) => {
    const id = keyId(c);
    const body = parseBody(rotateSchema, await readJson(c, {}));
    const grace = body.grace_seconds ?? GRACE_SECONDS.default;
    const { view, secret, until } = await ring.rotate(id, grace);
    audit(c, 'key.rotate', id, ['key']);
    return c.json({ ...view, key: secret, previous_key_expires_at: grace > 0 ? until : null });
  });

  app.get('/admin/teams', async (c) => {
    const budgets = await ring.store.teamBudgets();
    return c.json({ object: 'list', data: [...budgets].map(([team, budget]) => teamView(team, budget)) });
  });

  app.put('/admin/teams/:team', async (c) => {
    const team = c.req.param('team');
    if (!TEAM.test(team)) {
      throw new HttpError(400, 'invalid team: expected 1 to 64 letters, digits, "_", ".", ":" or "-"', {
        param: 'team',
        code: 'invalid_value',
      });
    }
    const { budget } = parseBody(teamSchema, await readJson(c));
    const value = budget ? policyOf({ budget }).budget : undefined;
    await ring.setTeamBudget(team, value);
    audit(c, 'team.budget', team, ['budget']);
    return c.json(teamView(team, value));
  });
  return app;
}

function teamView(team: string, budget: TeamBudget | undefined) {
  return {
    object: 'team',
    team,
    budget: budget ? { daily_usd: budget.dailyUsd ?? null, monthly_usd: budget.monthlyUsd ?? null } : null,
  };
}

/** A key id from the path: 16 hex characters, else a 404 (nothing to find). */
function keyId(c: Context<AppEnv>): string {
  const id = c.req.param('id') ?? '';
  if (!isKeyId(id)) {
    throw new HttpError(
      404,
      `no key "${id.slice(0, 40)}": key ids are 16 hex characters, as GET /admin/keys lists them`,
      { code: 'key_not_found', param: 'id' },
    );
  }
  return id;
}

/** The JSON body of an admin request; `empty` when there is none (rotate takes an optional body). */
async function readJson(c: Context<AppEnv>, empty?: unknown): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '' && empty !== undefined) return empty;
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'send the body as JSON with "content-type: application/json"', {
      code: 'unsupported_media_type',
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON; send a JSON object', {
      code: 'invalid_json',
    });
  }
}
