/**
 * Body formats the Graph API accepts on a POST: JSON, `application/x-www-form-urlencoded`
 * (Meta's own examples), and `multipart/form-data` text fields (the `curl -F` examples).
 * In the form formats every value is a string; `data` is then a JSON-encoded array.
 */

export type Params = Record<string, unknown>;

export function parseUrlEncoded(body: string): Params {
  const params: Params = {};
  for (const [key, value] of new URLSearchParams(body)) params[key] = value;
  return params;
}

/** Text fields of a multipart body; file parts are ignored. Returns undefined when it cannot be read. */
export function parseMultipart(body: string, contentType: string): Params | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return undefined;
  const params: Params = {};
  const parts = body.split(`--${boundary.trim()}`);
  for (const part of parts) {
    if (part === '' || part.startsWith('--')) continue;
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined || /filename=/i.test(headers)) continue;
    let value = part.slice(headerEnd + 4);
    if (value.endsWith('\r\n')) value = value.slice(0, -2);
    params[name] = value;
  }
  return params;
}

/** Query-string parameters merged under body parameters (the body wins), as Graph reads both. */
export function mergeParams(query: unknown, body: unknown): Params {
  const merged: Params = {};
  if (query && typeof query === 'object') Object.assign(merged, query);
  if (body && typeof body === 'object' && !Array.isArray(body)) Object.assign(merged, body);
  return merged;
}
