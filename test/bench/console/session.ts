// A person signed in to the console as a browser is (@relay/testing's console agent): the
// sign-in page's CSRF token, the sign-in, and the cookies the console set.
import { consoleAgent } from '@relay/testing';

/** A signed-in person's requests to the console. */
export interface ConsoleSession {
  readonly user: string;
  /** A request with the session's cookies (`path` from the console's root). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Signs `user` in at `base` (`http://127.0.0.1:<port>`) as the sign-in page does. */
export async function signIn(base: string, user: string, password: string): Promise<ConsoleSession> {
  const agent = consoleAgent(base);
  const res = await agent.signIn(user, password);
  if (!res.ok) throw new Error(`console: sign-in of ${user} answered ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
  // The console page asks who is signed in before it opens the feed.
  const me = await agent.fetch('/api/me');
  if (!me.ok) throw new Error(`console: GET /api/me for ${user} answered ${me.status}`);
  await me.body?.cancel();
  return { user, fetch: (path, init) => agent.fetch(path, init) };
}
