import { getEventListeners, once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CallSignal, isTimeoutReason } from './abort.js';

// CallSignal creates nothing until `signal` is read; read late, it must say what happened before.
describe('CallSignal', () => {
  const far = () => Date.now() + 60_000;

  it('read after the caller aborted: already aborted, with the caller’s reason', () => {
    const caller = new AbortController();
    const call = new CallSignal(caller.signal, far(), 60_000);
    caller.abort(new Error('caller stopped'));
    expect(call.aborted).toBe(true);
    expect(call.signal.aborted).toBe(true);
    expect((call.signal.reason as Error).message).toBe('caller stopped');
    call.dispose();
  });

  it('read after the deadline passed: aborted with a TimeoutError naming the budget', () => {
    const call = new CallSignal(undefined, Date.now() - 1, 25);
    expect(call.aborted).toBe(true);
    expect(isTimeoutReason(call.signal.reason)).toBe(true);
    expect((call.signal.reason as Error).message).toBe("the call's deadline of 25 ms expired");
    call.dispose();
  });

  it('abort() before any read: the signal, once read, carries that reason', () => {
    const call = new CallSignal(undefined, far(), 60_000);
    const reason = new DOMException('the client was closed', 'AbortError');
    call.abort(reason);
    expect(call.aborted).toBe(true);
    expect(call.signal.reason).toBe(reason);
  });

  it('read first: it aborts when the caller aborts later, and lets go of the caller’s signal', async () => {
    const caller = new AbortController();
    const call = new CallSignal(caller.signal, far(), 60_000);
    const signal = call.signal;
    expect(signal.aborted).toBe(false);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
    const aborted = once(signal, 'abort');
    caller.abort(new Error('later'));
    await aborted;
    expect((signal.reason as Error).message).toBe('later');
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('read first: it aborts at the deadline', async () => {
    const call = new CallSignal(undefined, Date.now() + 5, 5);
    const signal = call.signal;
    await once(signal, 'abort');
    expect(isTimeoutReason(signal.reason)).toBe(true);
  });

  it('dispose() detaches from the caller and stops the deadline', () => {
    const caller = new AbortController();
    const call = new CallSignal(caller.signal, far(), 60_000);
    const signal = call.signal;
    call.dispose();
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    caller.abort();
    expect(signal.aborted).toBe(false);
  });

  it('never read: no listener is added to the caller’s signal', () => {
    const caller = new AbortController();
    const call = new CallSignal(caller.signal, far(), 60_000);
    expect(call.aborted).toBe(false);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    call.dispose();
  });
});
