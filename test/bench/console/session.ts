// A person signed in to the console as a browser is: the sign-in page's CSRF token, the
// sign-in, and the cookies the console set, sent back with every request.

/** A signed-in person's requests to the console. */
export interface ConsoleSession {
  readonly user: string;
  /** A request with the session's cookies (`path` from the console's root). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Signs `user` in at `base` (`http://127.0.0.1:<port>`) as the sign-in page does. */
export async function signIn(base: string, user: string, password: string): Promise<ConsoleSession> {
  const cookies = new Map<string, string>();
  const fetchWithCookies = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(`${base}${path}`, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const value = pair.slice(at + 1);
      if (value === '') cookies.delete(pair.slice(0, at));
      else cookies.set(pair.slice(0, at), value);
    }
    return res;
  };
  const csrf = await fetchWithCookies('/api/csrf');
  if (!csrf.ok) throw new Error(`console: GET /api/csrf answered ${csrf.status}`);
  const { token } = (await csrf.json()) as { token: string };
  const res = await fetchWithCookies('/api/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': token },
    body: JSON.stringify({ user, password }),
  });
  if (!res.ok) throw new Error(`console: sign-in of ${user} answered ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
  // The console page asks who is signed in before it opens the feed.
  const me = await fetchWithCookies('/api/me');
  if (!me.ok) throw new Error(`console: GET /api/me for ${user} answered ${me.status}`);
  await me.body?.cancel();
  return { user, fetch: fetchWithCookies };
}
