/* global document */
import { h } from './dom.mjs';

/**
 * The batch options that shape a pass, as form fields: the date window (`since` / `before`: a date
 * or an age such as 90d, counted back from the start of each pass), an explicit folder mapping
 * (one `source -> target` per line) and mirroring deletions, which asks for a confirmation in a
 * dialog before it is turned on: it deletes mail on the target.
 * Used by the create form (batch-list.mjs) and the batch page's plan section (plan-view.mjs).
 */
export function passOptionFields(prefix) {
  const since = h('input', {
    id: `${prefix}-since`,
    name: 'since',
    maxlength: 40,
    placeholder: 'e.g. 365d or 2024-01-31',
    'aria-describedby': `${prefix}-window-help`,
  });
  const before = h('input', {
    id: `${prefix}-before`,
    name: 'before',
    maxlength: 40,
    placeholder: 'e.g. 90d to pre-stage older mail',
    'aria-describedby': `${prefix}-window-help`,
  });
  const folderMap = h('textarea', {
    id: `${prefix}-folder-map`,
    name: 'folderMap',
    rows: 3,
    placeholder: 'Inbox/Old -> Archive/Old',
    'aria-describedby': `${prefix}-map-help`,
  });
  const mirror = h('input', { id: `${prefix}-mirror`, type: 'checkbox', name: 'mirrorDeletions' });
  const dialog = confirmDialog(prefix);
  mirror.addEventListener('change', async () => {
    if (!mirror.checked) return;
    mirror.checked = await dialog.ask();
    mirror.focus();
  });

  const fieldOf = (label, control, help) =>
    h('div', { class: 'field' }, h('label', { for: control.id }, label), control, help);
  const elements = [
    fieldOf('Only mail received since (optional)', since),
    fieldOf(
      'Only mail received before (optional)',
      before,
      h(
        'small',
        { id: `${prefix}-window-help`, class: 'note' },
        'A date (2024-01-31) or an age (90d, 12w) counted back from the start of each pass.',
      ),
    ),
    fieldOf(
      'Folder mapping (optional)',
      folderMap,
      h(
        'small',
        { id: `${prefix}-map-help`, class: 'note' },
        'One per line: source folder -> target folder. Subfolders follow.',
      ),
    ),
    h(
      'label',
      { class: 'check' },
      mirror,
      'Mirror deletions (delete on the target what was deleted on the source)',
    ),
    dialog.element,
  ];

  return {
    elements,
    /** Fills the fields from a batch's options. */
    set(options = {}) {
      since.value = options.since ?? '';
      before.value = options.before ?? '';
      folderMap.value = Object.entries(options.folderMap ?? {})
        .map(([from, to]) => `${from} -> ${to}`)
        .join('\n');
      mirror.checked = Boolean(options.mirrorDeletions);
    },
    /** The options the fields hold; throws an Error naming the line of a mapping it cannot read. */
    values() {
      return {
        since: since.value.trim() || undefined,
        before: before.value.trim() || undefined,
        folderMap: parseFolderMap(folderMap.value),
        mirrorDeletions: mirror.checked,
      };
    },
  };
}

/** `a -> b` per line into `{a: b}`; blank lines are ignored. */
export function parseFolderMap(text) {
  const map = {};
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const parts = line.split('->');
    if (parts.length !== 2 || !parts[0].trim() || !parts[1].trim())
      throw new Error(`Folder mapping, line ${i + 1}: write it as "source folder -> target folder".`);
    map[parts[0].trim()] = parts[1].trim();
  });
  return map;
}

/** A modal dialog that answers true only when the administrator confirms turning mirroring on. */
function confirmDialog(prefix) {
  const title = `${prefix}-mirror-title`;
  let answer = () => {};
  const element = h(
    'dialog',
    { class: 'card', 'aria-labelledby': title },
    h('h3', { id: title }, 'Mirror deletions?'),
    h(
      'p',
      {},
      'Every incremental pass will delete from the target the messages, contacts and events that were deleted on the source since the last pass. Mail deleted this way is not kept anywhere by mailferry.',
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: () => close(true) }, 'Turn on mirroring'),
      h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'),
    ),
  );
  element.addEventListener('cancel', () => answer(false));
  function close(yes) {
    element.close();
    answer(yes);
  }
  return {
    element,
    ask() {
      return new Promise((resolve) => {
        answer = resolve;
        if (!element.isConnected) document.body.append(element);
        element.showModal();
      });
    },
  };
}
