/* global fetch, sessionStorage, location, URL */
/**
 * The API over HTTP, with the key the administrator typed (kept for this browser tab only).
 * The dashboard is served at `<prefix>/dashboard/`, so the API is the folder above it.
 */
const KEY_NAME = 'mailferry.apiKey';
const API_BASE = new URL('/api/', location.origin);

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `The service answered ${status}.`);
    this.status = status;
    this.body = body ?? {};
  }
}

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_NAME),
  set: (key) => sessionStorage.setItem(KEY_NAME, key),
  clear: () => sessionStorage.removeItem(KEY_NAME),
};

/** Calls an API route; answers the parsed JSON body, or throws ApiError with the coded error. */
export async function api(route, { method = 'GET', body, contentType, query } = {}) {
  const url = new URL(route, API_BASE);
  for (const [k, v] of Object.entries(query ?? {}))
    if (v !== undefined && v !== '') url.searchParams.set(k, v);
  const headers = { 'x-functions-key': apiKey.get() ?? '' };
  if (contentType) headers['content-type'] = contentType;
  let res;
  try {
    res = await fetch(url, { method, headers, body });
  } catch {
    throw new ApiError(0, { code: 'UNREACHABLE', message: 'Cannot reach the service; retrying.' });
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = { message: text.slice(0, 200) };
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

export const json = (value) => ({ body: JSON.stringify(value), contentType: 'application/json' });

/** Downloads a file route with the key: `{blob, contentType}`, or throws ApiError with the coded error. */
export async function apiFile(path) {
  const url = new URL(path, location.origin);
  let res;
  try {
    res = await fetch(url, { headers: { 'x-functions-key': apiKey.get() ?? '' } });
  } catch {
    throw new ApiError(0, { code: 'UNREACHABLE', message: 'Cannot reach the service; try again.' });
  }
  if (!res.ok) {
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = { message: text.slice(0, 200) };
    }
    throw new ApiError(res.status, body);
  }
  return { blob: await res.blob(), contentType: res.headers.get('content-type') ?? '' };
}
