/**
 * Preloaded into the front's process by ttfb-probe.ts (`--import`): timestamps the path of each request, one
 * request at a time (the probe runs at 1 connection). Network stages come from Node's own hooks
 * (diagnostics_channel, the http prototypes); stages inside the front and the client come from
 * `globalThis.__ttfbMark?.(name)` calls, if the sources carry any: a temporary instrumentation, not committed. The
 * one of docs/DECISIONS.md (issue 20, stream time to first byte) put a line
 * `(globalThis as { __ttfbMark?: (n: string) => void }).__ttfbMark?.('<stage>');` after `credential.keys.verify`
 * (auth done), `c.set('admitted', ...)` (admitted), at the top of the chat route (route entered), before and after
 * `front.client.stream(...)` (budget hold done, client stream opened), after the first `iterator.next()` (first
 * event out of client), before `return c.body(body)`, at the top of AzureAdapter.stream and after its
 * `this.client()`, after `.asNodeStream()`, at the first body chunk read and the first event yielded, and at the
 * top of sseStream's start and pull. The first time of each stage, in ms after the request was parsed, is kept
 * per request; the probe asks for them over IPC.
 */
import diagnostics from 'node:diagnostics_channel';
import { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

const records = [];
let current;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const mark = (name) => {
  if (!current || name in current.at) return;
  current.at[name] = now() - current.t0;
};
globalThis.__ttfbMark = mark;

diagnostics.subscribe('http.server.request.start', () => {
  current = { t0: now(), at: {}, writes: 0 };
  records.push(current);
  if (records.length > 5000) records.shift();
});
diagnostics.subscribe('http.client.request.start', () => mark('upstream request created'));

const writeHead = ServerResponse.prototype.writeHead;
ServerResponse.prototype.writeHead = function (...args) {
  mark('response head written');
  return writeHead.apply(this, args);
};
const flushHeaders = ServerResponse.prototype.flushHeaders;
ServerResponse.prototype.flushHeaders = function (...args) {
  mark('response head flushed');
  return flushHeaders.apply(this, args);
};
const resWrite = ServerResponse.prototype.write;
ServerResponse.prototype.write = function (...args) {
  mark('response body write');
  return resWrite.apply(this, args);
};
const resEnd = ServerResponse.prototype.end;
ServerResponse.prototype.end = function (...args) {
  mark('response end');
  return resEnd.apply(this, args);
};

// What reaches the sockets: the upstream request's bytes and the response's.
for (const method of ['_writeGeneric', '_writev']) {
  const original = Socket.prototype[method];
  Socket.prototype[method] = function (...args) {
    const owner = this._httpMessage;
    if (owner instanceof ClientRequest) mark('upstream socket write');
    else if (owner instanceof ServerResponse && current) mark(`response socket write ${++current.writes}`);
    return original.apply(this, args);
  };
}
const push = IncomingMessage.prototype.push;
IncomingMessage.prototype.push = function (chunk, ...rest) {
  if (chunk && this.req instanceof ClientRequest) mark('upstream first body bytes');
  return push.call(this, chunk, ...rest);
};
const emit = ClientRequest.prototype.emit;
ClientRequest.prototype.emit = function (event, ...args) {
  if (event === 'response') mark('upstream response head');
  return emit.call(this, event, ...args);
};

process.on('message', (m) => {
  if (m?.type !== 'ttfb-marks') return;
  process.send?.({ type: 'ttfb-marks', records: records.splice(0).map((r) => ({ ...r.at, t0: r.t0 })) });
});
