// Small DOM helpers: every text a tenant controls goes in as text, never as HTML.

/** An element with attributes (`on*` functions become listeners) and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces the children of `node`. */
export function replace(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

/** `2026-12-05 04:10:03` in the browser's zone. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Time left until `deadline`: `23h 59m 12s left`, or `missed by 1h 02m`. */
export function countdown(deadline, now = Date.now()) {
  if (!deadline) return '';
  const ms = new Date(deadline).getTime() - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const text = `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  return ms >= 0 ? `${text} left` : `missed by ${text}`;
}

/** `POLICE_REFERRAL` -> `police referral`. */
export function label(enumName, prefix) {
  return String(enumName ?? '').replace(prefix, '').toLowerCase().replaceAll('_', ' ');
}

/** Where a URL is hosted, in words: `NL · AS43350 NForce Entertainment · CDN Cloudflare`. */
export function hostingText(h) {
  if (!h) return '';
  return [h.country, h.asn ? `AS${h.asn} ${h.asOrganisation ?? ''}`.trim() : '', h.cdn ? `CDN ${h.cdn}` : ''].filter(Boolean).join(' · ');
}

/** Sends a state-changing request with the session's CSRF token. */
export async function post(url, body, csrf) {
  const res = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body ?? {}),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(answer.error ?? `request failed (${res.status})`);
  return answer;
}
