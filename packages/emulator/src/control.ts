import { isObject, parseJson } from './context.js';
import type { Exchange } from './exchange.js';
import { type FaultEngine, validateFaultRules } from './faults.js';
import type { Stats } from './stats.js';
import type { FaultRule } from './types.js';

/** The control API under /_emulator/. Its requests are never counted. */
export function handleControl(ex: Exchange, faults: FaultEngine, stats: Stats): boolean {
  if (!ex.path.startsWith('/_emulator/') && ex.path !== '/_emulator') return false;
  const route = `${ex.method} ${ex.path.replace(/\/$/, '')}`;
  switch (route) {
    case 'GET /_emulator/requests':
      ex.json(200, stats.snapshot());
      return true;
    case 'GET /_emulator/faults':
      ex.json(200, { rules: faults.list() });
      return true;
    case 'POST /_emulator/faults':
    case 'PUT /_emulator/faults': {
      const body = parseJson(ex.body);
      if (!isObject(body)) {
        ex.json(400, {
          error: `POST /_emulator/faults expects a JSON object { "rules": [FaultRule] }, received ${JSON.stringify(ex.body.toString('utf8').slice(0, 200))}`,
        });
        return true;
      }
      const problems = validateFaultRules(body.rules);
      if (problems.length > 0) {
        ex.json(400, { error: `Invalid fault rules: ${problems.join('; ')}` });
        return true;
      }
      faults.set(body.rules as FaultRule[]);
      ex.json(200, { rules: faults.list() });
      return true;
    }
    case 'DELETE /_emulator/faults':
      faults.clear();
      ex.json(200, { rules: [] });
      return true;
    case 'POST /_emulator/reset':
      faults.clear();
      stats.reset();
      ex.json(200, { ok: true });
      return true;
    case 'GET /_emulator/health':
      ex.json(200, { ok: true });
      return true;
    default:
      ex.json(404, {
        error: `Unknown control route ${route}. Routes: GET /_emulator/requests, GET|POST|DELETE /_emulator/faults, POST /_emulator/reset, GET /_emulator/health`,
      });
      return true;
  }
}
