import { h } from './dom.mjs';

/**
 * The controls of one form. Ids are unique on the page (a prefix and a counter), since two forms
 * of a kind can be open at once, and nothing is autofilled by the browser's password manager.
 */
let formCount = 0;

export function formControls(prefix) {
  const n = ++formCount;
  const id = (name) => `${prefix}-${name}-${n}`;
  return {
    input: (name, attrs = {}) => h('input', { id: id(name), name, autocomplete: 'off', ...attrs }),
    /** values: [value, label] pairs. */
    select: (name, values, current) =>
      h(
        'select',
        { id: id(name), name },
        values.map(([v, label]) => h('option', { value: v, selected: current === v }, label)),
      ),
    check: (label, control) => h('label', { class: 'check' }, control, label),
  };
}

/** A form's end: where a refusal is shown, and its submit and cancel buttons. */
export function formEnd(editing, onDone) {
  const message = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, editing ? 'Save changes' : 'Create endpoint');
  const actions = h(
    'div',
    { class: 'actions' },
    submit,
    h('button', { type: 'button', onclick: () => onDone(false) }, 'Cancel'),
  );
  return { message, submit, elements: [message, actions] };
}
