/**
 * Line and Server-Sent-Events decoding for streamed bodies whose chunks split lines anywhere (SageMaker
 * PayloadParts, Azure's HTTP body).
 */

/** Yields complete lines (without the line break) from byte chunks; a last unterminated line is yielded too. */
export async function* lines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
      nl = buffer.indexOf('\n');
    }
  }
  buffer += decoder.decode();
  if (buffer.length > 0) yield buffer;
}

export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/** Groups lines into SSE events (`data:` lines joined by "\n", dispatched on a blank line). */
export async function* sseEvents(input: AsyncIterable<string>): AsyncGenerator<SseEvent> {
  let data: string[] = [];
  let event: string | undefined;
  for await (const line of input) {
    if (line === '') {
      if (data.length > 0) yield { ...(event ? { event } : {}), data: data.join('\n') };
      data = [];
      event = undefined;
    } else if (line.startsWith(':')) {
      // comment / keep-alive
    } else {
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
  }
  if (data.length > 0) yield { ...(event ? { event } : {}), data: data.join('\n') };
}
