import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';

/**
 * The dashboard's static files (web/) at the site's root, served by the function app itself so it
 * works the same on Azure and on the embedded runtime. host.json sets `routePrefix` to "" and the
 * API's routes spell out `api/`, so `/` is the dashboard and `/api/...` the API; more specific
 * routes win over this catch-all, as in the Functions host's routing. Anonymous as a function: on
 * Azure, App Service Authentication (Entra ID) signs the administrator in for everything outside
 * `/api/*`; every API call the page makes carries the key the administrator types in.
 */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};
const INDEX = 'index.html';
// The page loads only its own files and talks only to its own origin.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Small files that change with each deployment: always revalidate.
  'cache-control': 'no-cache',
};

/** web/ next to functions/ when run from source (tests), or two levels up from dist/functions/. */
const WEB_ROOT =
  [path.resolve(__dirname, '..', 'web'), path.resolve(__dirname, '..', '..', 'web')].find((dir) =>
    existsSync(path.join(dir, INDEX)),
  ) ?? path.resolve(__dirname, '..', '..', 'web');

/** The file under web/ that a request path names, or undefined when it would leave web/. */
function resolveWebFile(requestPath: string): string | undefined {
  const relative = requestPath.replace(/^\/+/, '') || INDEX;
  const file = path.resolve(WEB_ROOT, relative);
  return file.startsWith(WEB_ROOT + path.sep) ? file : undefined;
}

async function serveDashboard(request: HttpRequest): Promise<HttpResponseInit> {
  const requested = request.params.path ?? '';
  // The page loads its modules by relative URL, so the folder URL needs its trailing slash.
  const url = new URL(request.url);
  if (!requested && !url.pathname.endsWith('/'))
    return { status: 308, headers: { location: `${url.pathname}/${url.search}` } };
  const file = resolveWebFile(requested);
  const type = file && CONTENT_TYPES[path.extname(file).toLowerCase()];
  if (!file || !type) return notFound(requested);
  try {
    const body = await readFile(file);
    return { status: 200, body, headers: { 'content-type': type, ...SECURITY_HEADERS } };
  } catch {
    return notFound(requested);
  }
}

function notFound(requested: string): HttpResponseInit {
  return {
    status: 404,
    jsonBody: { code: 'NOT_FOUND', message: `The dashboard has no file "${requested}".` },
  };
}

app.http('dashboard', {
  route: '{*path}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: serveDashboard,
});
