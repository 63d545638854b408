import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError } from './api-client.js';

type Answer = { status: number; body?: unknown } | Error;

/** A fetch that records requests and answers from a script. */
function fakeFetch(answer: Answer): { fetch: typeof fetch; calls: { url: string; init: RequestInit | undefined }[] } {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    calls.push({ url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, init });
    if (answer instanceof Error) return Promise.reject(answer);
    const text = answer.body === undefined ? null : JSON.stringify(answer.body);
    return Promise.resolve(new Response(text, { status: answer.status, headers: { 'Content-Type': 'application/json' } }));
  };
  return { fetch: fn, calls };
}

describe('ApiClient', () => {
  it('posts JSON with the session cookie and returns the answer', async () => {
    const { fetch, calls } = fakeFetch({ status: 200, body: { username: 'anna', role: 'duty_officer', displayName: 'Anna' } });
    const api = new ApiClient({ fetch });
    await expect(api.login({ username: 'anna', password: 'secret' })).resolves.toMatchObject({ role: 'duty_officer' });
    expect(calls[0]?.url).toBe('/api/session');
    expect(calls[0]?.init).toMatchObject({ method: 'POST', credentials: 'same-origin', body: '{"username":"anna","password":"secret"}' });
  });

  it('throws an ApiError with the catalogue name and code of an error answer', async () => {
    const { fetch } = fakeFetch({ status: 404, body: { code: 40402, error: 'No such alert.', name: 'ALERT_NOT_FOUND' } });
    const err: unknown = await new ApiClient({ fetch }).getAlert('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: 40402, errorName: 'ALERT_NOT_FOUND' });
  });

  it('reports a 401 so the console returns to the login page', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch({ status: 401, body: { code: 40101, error: 'Log in first.', name: 'UNAUTHENTICATED' } });
    await expect(new ApiClient({ fetch, onUnauthorized }).listAlerts()).rejects.toMatchObject({ code: 40101 });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('does not treat a failed login as a lost session', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch({ status: 401, body: { code: 40102, error: 'Wrong username or password.', name: 'BAD_CREDENTIALS' } });
    await expect(new ApiClient({ fetch, onUnauthorized }).login({ username: 'a', password: 'b' })).rejects.toMatchObject({ errorName: 'BAD_CREDENTIALS' });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('resolves a 204 to undefined', async () => {
    const { fetch, calls } = fakeFetch({ status: 204 });
    await expect(new ApiClient({ fetch }).revokeDevice('a/b')).resolves.toBeUndefined();
    expect(calls[0]?.url).toBe('/api/devices/a%2Fb');
    expect(calls[0]?.init?.method).toBe('DELETE');
  });

  it('posts an update and a cancellation to the original alert', async () => {
    const { fetch, calls } = fakeFetch({ status: 201, body: { id: 'u', msgType: 'update' } });
    const api = new ApiClient({ fetch });
    await api.updateAlert('a1', { content: { da: { title: 't', body: 'b' } }, allClear: true });
    await api.cancelAlert('a1');
    expect(calls.map((c) => [c.init?.method, c.url])).toEqual([
      ['POST', '/api/alerts/a1/updates'],
      ['POST', '/api/alerts/a1/cancel'],
    ]);
    expect(calls[0]?.init?.body).toBe('{"content":{"da":{"title":"t","body":"b"}},"allClear":true}');
    expect(calls[1]?.init?.body).toBe('{}');
  });

  it('reads 409 ALERT_CLOSED as a catalogued error', async () => {
    const { fetch } = fakeFetch({ status: 409, body: { code: 40902, error: 'closed', name: 'ALERT_CLOSED' } });
    await expect(new ApiClient({ fetch }).cancelAlert('a1')).rejects.toMatchObject({ status: 409, code: 40902, errorName: 'ALERT_CLOSED' });
  });

  it('asks for an alert’s devices by state with a limit', async () => {
    const { fetch, calls } = fakeFetch({ status: 200, body: [] });
    await new ApiClient({ fetch }).alertDevices('a1', { states: ['pending', 'sent'], limit: 500 });
    const url = new URL(calls[0]?.url ?? '', 'http://x');
    expect(url.pathname).toBe('/api/alerts/a1/devices');
    expect(url.searchParams.get('state')).toBe('pending,sent');
    expect(url.searchParams.get('limit')).toBe('500');
  });

  it('marks a request that got no answer, since it may have reached the server', async () => {
    const { fetch } = fakeFetch(new TypeError('fetch failed'));
    const err: unknown = await new ApiClient({ fetch }).sendAlert({ kind: 'notice', content: { da: { title: 't', body: 'b' } }, audience: { type: 'all' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, transport: 'network', unanswered: true });
  });
});
