import { api } from './api.mjs';
import { h } from './dom.mjs';
import { time } from './format.mjs';

/**
 * Cutover readiness on the batch page: forwarding set n of m (and why not for the others), and
 * the DNS of the batch's domains: ok, or the record to create. DNS is as checked at completion;
 * "Check DNS now" asks again.
 */
const liveChecks = new Map(); // batch id → the last "Check DNS now" answer, kept across polls

export async function loadCutover(id, refreshDns = false) {
  const r = await api(`batches/${encodeURIComponent(id)}/cutover`, {
    query: { refresh: refreshDns ? 'true' : '' },
  });
  if (refreshDns) liveChecks.set(id, r);
  const live = liveChecks.get(id);
  if (refreshDns || !live || (r.dnsChecked && r.dnsCheckedAt >= live.dnsCheckedAt)) return r;
  const forwardingDone = !r.forwarding.enabled || r.forwarding.set === r.forwarding.of;
  const dnsOk = live.dns.every((d) => d.ok);
  return {
    ...r,
    dns: live.dns,
    dnsChecked: true,
    dnsCheckedAt: live.dnsCheckedAt,
    ready: forwardingDone && dnsOk,
  };
}

export function renderCutover(readiness, checkNow) {
  if (!readiness?.applicable) return [];
  const { forwarding, dns } = readiness;
  const items = [];
  items.push(
    h(
      'li',
      { 'data-cutover': 'forwarding' },
      forwarding.enabled
        ? `Forwarding set for ${forwarding.set} of ${forwarding.of} mailboxes.`
        : 'Forwarding: not set by mailferry (no directory on this batch, or turned off).',
    ),
  );
  for (const w of forwarding.warnings ?? [])
    items.push(h('li', { class: 'error-cell' }, `${w.email}: ${w.message} (${w.code})`));
  if (!readiness.dnsChecked) items.push(h('li', { 'data-cutover': 'dns' }, 'DNS: not checked yet.'));
  else if (!dns.length)
    items.push(h('li', { 'data-cutover': 'dns' }, 'DNS: nothing to check (no Microsoft 365 target).'));
  for (const d of dns) {
    if (!d.findings) {
      items.push(
        h('li', { class: 'error-cell' }, `DNS of ${d.domain}: ${d.error.message} (${d.error.code})`),
      );
      continue;
    }
    for (const f of d.findings) {
      const text =
        f.status === 'ok'
          ? `${f.record} of ${f.name}: ok`
          : f.status === 'error'
            ? `${f.record} of ${f.name}: ${f.error?.message} (${f.error?.code})`
            : `${f.record} of ${f.name}: ${f.status}; create ${f.fix}`;
      items.push(
        h('li', { 'data-cutover': 'dns', class: f.status === 'ok' ? undefined : 'error-cell' }, text),
      );
    }
  }
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'cutover-title' },
    h('h3', { id: 'cutover-title' }, readiness.ready ? 'Cutover: ready' : 'Cutover: to do'),
    h('ul', {}, items),
    readiness.dnsCheckedAt && h('p', { class: 'note' }, `DNS checked ${time(readiness.dnsCheckedAt)}.`),
    h('button', { type: 'button', onclick: checkNow }, 'Check DNS now'),
    forwarding.warnings?.length > 0 &&
      h(
        'button',
        { type: 'button', onclick: (event) => retryForwarding(readiness.batchId, event.target) },
        'Retry forwarding',
      ),
  );
}

/** Sets forwarding again where it had a warning; the next poll shows the outcome. */
async function retryForwarding(id, button) {
  button.disabled = true;
  button.textContent = 'Retrying forwarding…';
  try {
    const { retried } = await api(`batches/${encodeURIComponent(id)}/forwarding`, { method: 'POST' });
    button.textContent = `Retried ${retried}`;
  } catch (e) {
    button.textContent = e.message;
  }
}
