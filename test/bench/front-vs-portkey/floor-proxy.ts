/**
 * The floor of any Node gateway: a node:http server that forwards each request's bytes to the upstream over a
 * keep-alive agent and streams the answer back, parsing nothing. What it costs (CPU per request, added latency)
 * is Node's HTTP server, its HTTP client and the kernel's loopback TCP, which every gateway on Node pays; the
 * benchmark puts it beside Portkey and our front so that their own work shows above it.
 * Run as a child process: `--serve <upstream url>` prints `{ "url" }`.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.argv[process.argv.indexOf('--serve') + 1] ?? '');
const agent = new Agent({ keepAlive: true });
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const out = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      path: req.url,
      method: req.method,
      agent,
      headers: {
        'content-type': req.headers['content-type'] ?? 'application/json',
        ...(req.headers['content-length'] ? { 'content-length': req.headers['content-length'] } : {}),
      },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, {
        'content-type': answer.headers['content-type'] ?? 'application/json',
        ...(answer.headers['content-length'] ? { 'content-length': answer.headers['content-length'] } : {}),
      });
      answer.pipe(res);
    },
  );
  out.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(out);
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
});
