import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientAddress } from './auth.js';

/** The address `clientAddress` sees for a request with this X-Forwarded-For, over these bindings. */
async function seen(
  hops: number | undefined,
  forwardedFor: string | undefined,
  bindings: Record<string, unknown>,
): Promise<string> {
  const app = new Hono();
  app.get('/', (c) => c.text(clientAddress(c, hops)));
  const headers: Record<string, string> = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
  return (await app.request('/', { headers }, bindings)).text();
}

const node = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });

describe('clientAddress', () => {
  it('trusts X-Forwarded-For by default only from a private, loopback or link-local peer (a load balancer)', async () => {
    expect(await seen(undefined, '1.1.1.1, 203.0.113.7', node('10.1.2.3'))).toBe('203.0.113.7');
    expect(await seen(undefined, '203.0.113.7', node('169.254.1.1'))).toBe('203.0.113.7');
    expect(await seen(undefined, '203.0.113.7', node('::ffff:127.0.0.1'))).toBe('203.0.113.7');
    expect(await seen(undefined, '203.0.113.7', node('198.51.100.2'))).toBe('198.51.100.2');
    expect(await seen(undefined, undefined, node('198.51.100.2'))).toBe('198.51.100.2');
  });

  it('takes the entry trustedProxyHops from the right, ignores the header with 0, and skips non-addresses', async () => {
    expect(await seen(2, '1.1.1.1, 203.0.113.7, 10.0.0.5', node('10.0.0.9'))).toBe('203.0.113.7');
    expect(await seen(0, '203.0.113.7', node('10.0.0.9'))).toBe('10.0.0.9');
    expect(await seen(5, '203.0.113.7', node('10.0.0.9'))).toBe('203.0.113.7');
    expect(await seen(1, 'not-an-ip, <script>', node('10.0.0.9'))).toBe('10.0.0.9');
  });

  it("uses the Lambda event's source IP", async () => {
    const lambda = { requestContext: { http: { sourceIp: '203.0.113.9' } } };
    expect(await seen(undefined, '1.1.1.1', lambda)).toBe('203.0.113.9');
  });
});
