// The documents of a room: the list (download, delete where allowed) and
// the upload form. The server decides what may be stored (type by
// content, size, virus scan) and answers a refusal with a message in the
// reader's language, shown here; the room goes on either way.
import {api, el, S, fmt, num, showError} from './common.js';

const $ = (x) => document.getElementById(x);

export function startDocuments({room, auth}) {
  const base = '/api/v1/rooms/' + encodeURIComponent(room) + '/files';
  const box = $('documents'), list = $('documents-list'), form = $('document-form'), input = $('document-file');
  const error = $('document-error'), status = $('document-status');
  let busy = false, again = false;

  async function download(f) {
    showError(error, null);
    const headers = {'Accept-Language': S.lang};
    if (auth.token) headers['Authorization'] = 'Bearer ' + auth.token;
    if (auth.ticket) headers['X-Ticket'] = auth.ticket;
    try {
      const res = await fetch(base + '/' + encodeURIComponent(f.id), {headers, credentials: 'same-origin'});
      if (!res.ok) {
        let body = null;
        try { body = await res.json(); } catch (_) { /* not JSON */ }
        throw new Error((body && body.error && body.error.message) || ('HTTP ' + res.status));
      }
      const url = URL.createObjectURL(await res.blob());
      const a = el('a', {href: url, download: f.name});
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) { showError(error, err); }
  }

  async function remove(f) {
    if (!confirm(fmt(S.docConfirmDelete, {Name: f.name}))) return;
    showError(error, null);
    try {
      await api(base + '/' + encodeURIComponent(f.id), {method: 'DELETE', ...auth});
      await refresh();
    } catch (err) { showError(error, err); }
  }

  function item(f, mayDownload) {
    const size = fmt(S.docSize, {KiB: Math.max(1, Math.ceil(f.size / 1024))});
    const li = el('li', {class: 'document' + (f.deleted ? ' deleted' : ''), 'data-file': f.id});
    if (f.deleted || !mayDownload) {
      li.append(el('span', {class: 'name', text: f.name}));
    } else {
      li.append(el('button', {type: 'button', class: 'link name', 'data-action': 'download', text: f.name, onclick: () => download(f)}));
    }
    const by = f.mine ? S.you : f.by;
    li.append(' ', el('span', {class: 'meta', text: f.deleted ? S.docDeleted : fmt(S.docBy, {By: by, Size: size})}));
    if (f.deletable) {
      li.append(' ', el('button', {type: 'button', class: 'secondary', 'data-action': 'delete', 'aria-label': fmt(S.docDeleteName, {Name: f.name}),
        text: S.docDelete, onclick: () => remove(f)}));
    }
    return li;
  }

  // refresh reloads the list; calls while one runs collapse into one more.
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const d = await api(base, auth);
      box.hidden = false;
      $('documents-hint').textContent = fmt(S.docHint, {Allowed: d.allowed.join(', '), MiB: num(Math.floor(d.max_size / 1048576))}) +
        (d.scanned ? ' ' + S.docScanned : '');
      input.setAttribute('accept', d.accept);
      form.hidden = !d.may_upload;
      list.replaceChildren(...d.files.map((f) => item(f, d.may_download)));
      $('documents-none').hidden = d.files.length > 0;
      for (const f of d.files.filter((f) => f.deleted)) {
        for (const b of document.querySelectorAll(`#messages [data-file="${CSS.escape(f.id)}"]`)) {
          b.replaceWith(el('span', {class: 'file deleted', text: f.name + ' (' + S.docDeleted + ')'}));
        }
      }
    } catch (err) { showError(error, err); } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = input.files[0];
    if (!file) return;
    showError(error, null);
    status.textContent = S.docUploading;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const fd = new FormData();
      fd.append('file', file);
      fd.append('client_id', crypto.randomUUID());
      const m = await api(base, {method: 'POST', form: fd, ...auth});
      status.textContent = fmt(S.docUploaded, {Name: m.file.name});
      form.reset();
      await refresh();
    } catch (err) {
      status.textContent = '';
      showError(error, err);
      form.reset();
    } finally { button.disabled = false; }
  });

  refresh();
  return {
    refresh, download,
    ended() { form.hidden = true; for (const b of list.querySelectorAll('[data-action=delete]')) b.remove(); },
  };
}
