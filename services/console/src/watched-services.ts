import { z } from 'zod';

/** A service whose `/healthz` the console checks for the operator page: its name and ops base URL. */
export interface WatchedService {
  /** As the operator page shows it: `gateway`, `locator`, ... */
  readonly name: string;
  /** The ops base URL as configured, normalised (`http://127.0.0.1:9101/`). */
  readonly url: string;
  /** `<url>healthz`: what is fetched. */
  readonly healthUrl: string;
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * `RELAY_CONSOLE_SERVICES`: `name=ops base URL` pairs separated by commas
 * (`gateway=http://127.0.0.1:9101,locator=http://127.0.0.1:9102`); unset or
 * empty, no service is checked. A name is lower case letters, digits and `-`,
 * each once; a URL is http(s) without credentials, query or fragment. A path
 * is kept (a service behind a proxy prefix): `/healthz` goes under it.
 */
export const watchedServicesSetting: z.ZodType<readonly WatchedService[], string | undefined> = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const services: WatchedService[] = [];
    const entries = (text ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    for (const [i, entry] of entries.entries()) {
      const at = entry.indexOf('=');
      const name = at < 0 ? '' : entry.slice(0, at).trim();
      const raw = at < 0 ? '' : entry.slice(at + 1).trim();
      // Named by position and name, never by its URL: a URL may hold a password, and errors are logged.
      const problem = (message: string): void => ctx.addIssue({ code: 'custom', message: `entry ${i + 1}${NAME.test(name) ? ` (${name})` : ''}: ${message}` });
      if (at < 0) {
        problem('must be name=URL (gateway=http://127.0.0.1:9101)');
        continue;
      }
      if (!NAME.test(name)) {
        problem('the name must be lower case letters, digits and -, starting with a letter (at most 40)');
        continue;
      }
      if (services.some((s) => s.name === name)) {
        problem('the name is given twice');
        continue;
      }
      const url = URL.canParse(raw) ? new URL(raw) : undefined;
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        problem('the URL must be an http:// or https:// URL');
        continue;
      }
      // Credentials would show on the operator page and in logs; a query or fragment would be lost under /healthz.
      if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
        problem('the URL must have no user, password, query or fragment');
        continue;
      }
      if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
      services.push({ name, url: url.href, healthUrl: new URL('healthz', url).href });
    }
    return services;
  });
