// visit.js — the clerk's visit panel in the consultation room: who the
// citizen is, what they came for, where the ticket has been, the internal
// notes, and how long the consultation runs. Only clerks get it: its data
// comes from the staff ticket API, which citizens and interpreters cannot
// read.
import {api, el, S, fmt, showError, languageName} from './common.js';

const $ = (x) => document.getElementById(x);

function clock(at) {
  return new Date(at).toLocaleTimeString(S.lang, {hour: '2-digit', minute: '2-digit'});
}

// duration formats seconds as m:ss or h:mm:ss.
function duration(sec) {
  const h = Math.floor(sec / 3600), m = Math.floor(sec / 60) % 60, s = sec % 60;
  const two = (n) => String(n).padStart(2, '0');
  return h ? h + ':' + two(m) + ':' + two(s) : m + ':' + two(s);
}

function renderNotes(t) {
  const list = $('visit-notes');
  const items = (t.notes || []).map((n) => el('li', {},
    el('span', {class: 'meta', text: clock(n.at) + ' · ' + (n.author_name || n.author)}), el('span', {class: 'text', text: n.text})));
  list.replaceChildren(...(items.length ? items : [el('li', {class: 'meta empty', text: S.noNotes})]));
}

function renderForwards(t) {
  const fs = t.forwards || [];
  $('visit-forwards-box').hidden = !fs.length;
  $('visit-forwards').replaceChildren(...fs.map((f) => {
    const to = f.to_clerk ? fmt(S.personally, {Name: f.to_clerk_name || f.to_clerk}) + ' (' + (f.to_office_name || f.to_office) + ')' : (f.to_office_name || f.to_office);
    const li = el('li', {}, el('span', {class: 'meta', text: clock(f.at) + ' · ' + fmt(S.forwardedBy, {Name: f.by_name || f.by, From: f.from_office_name || f.from_office, To: to})}));
    if (f.note) li.append(el('span', {class: 'text', text: '📝 ' + f.note}));
    return li;
  }));
}

// showVisit fills the panel for ticket id and starts the consultation
// clock; it returns {stop} to stop the clock when the consultation ends.
export async function showVisit(id, auth) {
  const t = await api('/api/v1/staff/tickets/' + encodeURIComponent(id), auth);
  $('visit-number').textContent = t.number;
  $('visit-name').textContent = t.name || S.noName;
  $('visit-language').textContent = languageName(t.language);
  $('visit-concern').textContent = t.concern;
  renderForwards(t);
  renderNotes(t);
  $('visit').hidden = false;

  // the clock counts on from the server's figure, so the clerk's clock
  // setting does not matter; only the time element's text changes
  const out = $('visit-elapsed');
  const start = performance.now() - (t.consultation_seconds || 0) * 1000;
  const tick = () => {
    const sec = Math.max(0, Math.floor((performance.now() - start) / 1000));
    out.textContent = duration(sec);
    out.setAttribute('datetime', 'PT' + sec + 'S');
  };
  tick();
  const timer = setInterval(tick, 1000);

  const form = $('note-form'), text = $('note-text'), error = $('note-error');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(error, null);
    const v = text.value.trim();
    if (!v) return;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      renderNotes(await api('/api/v1/staff/tickets/' + encodeURIComponent(id) + '/notes', {method: 'POST', body: {text: v}, ...auth}));
      text.value = '';
    } catch (err) { showError(error, err); }
    button.disabled = false;
  });
  return {stop: () => clearInterval(timer)};
}
