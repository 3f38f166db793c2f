import {api, el, S} from './common.js';

// forwardDialog asks for a target office or colleague and a note; it
// resolves to {office_id|clerk, note} or null when cancelled.
export async function forwardDialog(auth) {
  const dlg = document.getElementById('dialog') || document.body.appendChild(el('dialog', {id: 'dialog'}, el('form', {method: 'dialog', id: 'dialog-form'})));
  const form = dlg.querySelector('form');
  form.replaceChildren();
  const [offices, clerks] = await Promise.all([api('/api/v1/offices'), api('/api/v1/staff/clerks', auth)]);
  const sel = el('select', {id: 'forward-target', name: 'target'});
  const og = el('optgroup', {label: S.forwardTo});
  for (const o of offices.offices) og.append(el('option', {value: 'office:' + o.id, text: o.name}));
  const cg = el('optgroup', {label: '👤'});
  for (const c of clerks.clerks) cg.append(el('option', {value: 'clerk:' + c.login, text: c.display_name}));
  sel.append(og, cg);
  const note = el('textarea', {id: 'forward-note', name: 'note', maxlength: '2000', rows: '3'});
  form.append(
    el('h2', {text: S.forward}),
    el('label', {for: 'forward-target', text: S.forwardTo}), sel,
    el('label', {for: 'forward-note', text: S.forwardNote}), note,
    el('p', {}, el('button', {value: 'ok', class: 'button', id: 'forward-ok', text: S.forward}), ' ',
      el('button', {value: 'cancel', class: 'secondary', text: S.cancel})),
  );
  dlg.showModal();
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      if (dlg.returnValue !== 'ok') { resolve(null); return; }
      const [kind, id] = sel.value.split(':');
      resolve(kind === 'office' ? {office_id: id, note: note.value} : {clerk: id, note: note.value});
    }, {once: true});
  });
}

// askText asks for a line of text (decline message, note).
export function askText(title, label) {
  const dlg = document.getElementById('dialog');
  const form = dlg.querySelector('form');
  form.replaceChildren();
  const input = el('textarea', {id: 'dialog-text', maxlength: '2000', rows: '3', required: true});
  form.append(el('h2', {text: title}), el('label', {for: 'dialog-text', text: label}), input,
    el('p', {}, el('button', {value: 'ok', class: 'button', id: 'dialog-ok', text: S.ok}), ' ', el('button', {value: 'cancel', class: 'secondary', formnovalidate: true, text: S.cancel})));
  dlg.showModal();
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok' ? input.value : null), {once: true});
  });
}
