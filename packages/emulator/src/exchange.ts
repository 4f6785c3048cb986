import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';

/**
 * One request/response over HTTP/1.1 or HTTP/2, so provider handlers never care which one they speak.
 * The body is read completely before handlers run (model requests are small).
 */
export class Exchange {
  readonly method: string;
  /** Rewritten by transports that carry the route elsewhere (gRPC). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  readonly http2: boolean;
  body: Buffer = Buffer.alloc(0);
  protected finished = false;
  private closedByPeer = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    protected readonly req: IncomingMessage | Http2ServerRequest,
    protected readonly res: ServerResponse | Http2ServerResponse,
    protected readonly rawSocket: Socket | undefined,
  ) {
    this.method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator');
    this.path = url.pathname;
    this.query = url.searchParams;
    this.headers = req.headers;
    this.http2 = 'stream' in res;
    res.on('close', () => {
      if (!this.finished) this.closedByPeer = true;
      for (const listener of this.closeListeners.splice(0)) listener();
    });
  }

  async readBody(limit = 32 * 1024 * 1024): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new Error(`request body over ${limit} bytes`);
      chunks.push(chunk);
    }
    this.body = Buffer.concat(chunks);
  }

  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  /** True once the client went away (or the emulator closed the connection). */
  get gone(): boolean {
    return this.closedByPeer || this.res.destroyed;
  }

  onClose(listener: () => void): void {
    if (this.gone) listener();
    else this.closeListeners.push(listener);
  }

  send(status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void {
    if (this.gone || this.finished) return;
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    this.res.writeHead(status, { ...headers, 'content-length': buf.length });
    this.finished = true;
    this.res.end(buf);
  }

  json(status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
    this.send(status, { 'content-type': 'application/json', ...headers }, JSON.stringify(body));
  }

  /** Starts a streamed response (chunked on HTTP/1.1, DATA frames on HTTP/2). */
  startStream(status: number, headers: OutgoingHttpHeaders): void {
    if (this.gone) return;
    this.res.writeHead(status, headers);
    // Headers go out now, as a real service sends them before the first event.
    (this.res as ServerResponse).flushHeaders?.();
  }

  /** Writes a stream chunk and waits for the socket to drain when needed. */
  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.gone) return;
    if (!(this.res as ServerResponse).write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        this.res.once('drain', done);
        this.onClose(done);
      });
    }
  }

  end(): void {
    if (this.gone || this.finished) return;
    this.finished = true;
    this.res.end();
  }

  /**
   * Cuts the response mid-way without a proper end (HTTP/2: RST_STREAM INTERNAL_ERROR; HTTP/1.1: the socket is
   * destroyed, so the chunked body never terminates). What was written before is flushed first.
   */
  async cut(): Promise<void> {
    if (this.gone) return;
    this.finished = true;
    await new Promise<void>((resolve) => {
      (this.res as ServerResponse).write(Buffer.alloc(0), () => resolve());
      this.onClose(resolve);
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.http2) {
      const stream = (this.res as Http2ServerResponse).stream;
      if (!stream.destroyed) stream.close(2 /* NGHTTP2_INTERNAL_ERROR */);
    } else {
      this.rawSocket?.destroy();
    }
  }

  /** A TCP reset of the whole connection, as a load balancer or crashed host does. */
  reset(): void {
    this.finished = true;
    const socket = this.rawSocket;
    if (socket && typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy();
    else socket?.destroy();
  }
}
