/* global document, window, setInterval */
import { api, apiKey, ApiError } from './api.mjs';
import { batchListView } from './batch-list.mjs';
import { batchView } from './batch-page.mjs';
import { endpointsView } from './endpoints.mjs';
import { reportView } from './reports.mjs';

/**
 * The dashboard shell: asks for the API key once per tab, routes by the URL hash
 * (#/, #/batches/<id>, #/batches/<id>/reports/<kind>/<file>, #/endpoints) and polls the open view every 2 seconds.
 */
const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);
let current; // { refresh(): Promise<void>, dispose?(): void }
let polling = false;

function route() {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const report = /^\/batches\/([^/]+)\/reports\/([^/]+)\/([^/]+)$/.exec(hash);
  if (report) return reportView(...report.slice(1).map(decodeURIComponent));
  const batch = /^\/batches\/([^/]+)$/.exec(hash);
  if (batch) return batchView(decodeURIComponent(batch[1]));
  if (hash === '/endpoints') return endpointsView();
  return batchListView();
}

async function show() {
  const view = $('view');
  if (!apiKey.get()) {
    view.replaceChildren();
    $('key-form').hidden = false;
    $('forget-key').hidden = true;
    $('api-key').focus();
    return;
  }
  $('key-form').hidden = true;
  $('forget-key').hidden = false;
  current = route();
  view.replaceChildren(current.element);
  document.title = `${current.title} · mailferry`;
  for (const link of document.querySelectorAll('nav a'))
    link.toggleAttribute('aria-current', link.getAttribute('href') === (window.location.hash || '#/'));
  await tick(true);
}

/** One refresh of the open view; a refused key sends the administrator back to the key form. */
async function tick(now = false) {
  if ((polling && !now) || !current || document.hidden) return;
  polling = true;
  const view = current;
  try {
    await view.refresh();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      apiKey.clear();
      $('key-error').textContent = 'The service refused the key; enter it again.';
      await show();
    } else view.showError?.(e);
  } finally {
    polling = false;
  }
}

$('key-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  apiKey.set($('api-key').value.trim());
  $('key-error').textContent = '';
  try {
    await api('batches');
    $('api-key').value = '';
  } catch (e) {
    // Only a refused key is forgotten; an unreachable service is reported by the view and retried.
    if (e instanceof ApiError && e.status === 401) {
      apiKey.clear();
      $('key-error').textContent = 'That key was refused.';
    }
  }
  await show();
});
$('forget-key').addEventListener('click', () => {
  apiKey.clear();
  show();
});
window.addEventListener('hashchange', show);
setInterval(() => tick(), POLL_MS);
show();
