/** A browser-like HTTP client of the console: keeps the cookies the console sets, and the CSRF token it got. */
export interface ConsoleAgent {
  readonly cookies: Map<string, string>;
  /** The raw `Set-Cookie` headers of the last sign-in. */
  setCookies: string[];
  csrf: string;
  /** A request from the console's root with the cookies held; `json` is sent as the body. */
  fetch(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** Fetches a CSRF token (as the sign-in page does). */
  token(): Promise<string>;
  /** Signs in as the sign-in page does: a token, then the form with it. */
  signIn(user: string, password?: string): Promise<Response>;
}

/** An agent for the console at `base` (`http://127.0.0.1:<port>`); `password` is used when a sign-in names none. */
export function consoleAgent(base: string, defaults: { readonly password?: string } = {}): ConsoleAgent {
  const cookies = new Map<string, string>();
  const self: ConsoleAgent = {
    cookies,
    setCookies: [],
    csrf: '',
    fetch: async (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
      if (init.json !== undefined) headers.set('content-type', 'application/json');
      const res = await fetch(`${base}${path}`, { ...init, headers, redirect: 'manual', ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }) });
      for (const c of res.headers.getSetCookie()) {
        const [pair = ''] = c.split(';');
        const at = pair.indexOf('=');
        if (at <= 0) continue;
        const value = pair.slice(at + 1);
        if (value === '') cookies.delete(pair.slice(0, at));
        else cookies.set(pair.slice(0, at), value);
      }
      return res;
    },
    token: async () => {
      const res = await self.fetch('/api/csrf');
      self.csrf = ((await res.json()) as { token: string }).token;
      return self.csrf;
    },
    signIn: async (user, password = defaults.password ?? '') => {
      const csrf = await self.token();
      const res = await self.fetch('/api/sign-in', { method: 'POST', headers: { 'x-csrf-token': csrf }, json: { user, password } });
      self.setCookies = res.headers.getSetCookie();
      return res;
    },
  };
  return self;
}
