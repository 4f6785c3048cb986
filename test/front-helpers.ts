/** Helpers shared by the front's end-to-end tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP/1.1 proxy in front of the emulator that sees what the emulator cannot report: upstream requests
 * whose caller (the front's provider client) went away before the answer ended.
 */
export async function startCountingProxy(target: string) {
  const upstream = new URL(target);
  const stats = { started: 0, completed: 0, abandoned: 0, open: 0 };
  const server = http.createServer((req, res) => {
    stats.started += 1;
    stats.open += 1;
    let done = false;
    const finish = (how: 'completed' | 'abandoned') => {
      if (done) return;
      done = true;
      stats.open -= 1;
      stats[how] += 1;
    };
    const up = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        upRes.on('end', () => finish('completed'));
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
    res.on('close', () => {
      if (!res.writableFinished) {
        finish('abandoned');
        up.destroy();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function until(
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} not met within ${ms} ms`);
}
