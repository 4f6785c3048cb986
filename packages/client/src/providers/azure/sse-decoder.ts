import type { SseEvent } from '../shared/sse.js';

/**
 * Server-Sent-Events decoding, one body chunk at a time and synchronously: the events a chunk completes come back
 * as an array, with the same rules as `sseEvents(lines(...))` in shared/sse.ts (lines split anywhere, `data:`
 * lines joined by "\n", dispatch on a blank line, comments skipped). One upstream read often carries many events;
 * two async generators in between cost a few promise hops per line and per event (issue 20).
 */
export class SseDecoder {
  readonly #decoder = new TextDecoder();
  #buffer = '';
  #data: string[] = [];
  #event: string | undefined;

  /** The events this chunk completes. */
  push(chunk: Uint8Array | string): SseEvent[] {
    const buffer =
      this.#buffer + (typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true }));
    const out: SseEvent[] = [];
    let start = 0;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n', start)) {
      const end = nl > start && buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.#line(buffer.slice(start, end), out);
      start = nl + 1;
    }
    this.#buffer = buffer.slice(start);
    return out;
  }

  /** The events left when the body ends: an unterminated last line, an event without its blank line. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    const rest = this.#buffer + this.#decoder.decode();
    this.#buffer = '';
    if (rest.length > 0) this.#line(rest, out);
    if (this.#data.length > 0) out.push(this.#dispatch());
    return out;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0) out.push(this.#dispatch());
      else this.#event = undefined;
      return;
    }
    if (line.startsWith(':')) return; // a comment or keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
  }

  #dispatch(): SseEvent {
    const event = this.#event;
    const data = this.#data.length === 1 ? this.#data[0]! : this.#data.join('\n');
    this.#data = [];
    this.#event = undefined;
    return event ? { event, data } : { data };
  }
}
