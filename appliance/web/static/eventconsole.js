import {api, live, el, S, fmt, showError} from './common.js';
import {startMedia} from './media.js';

// eventconsole.js — the staff console of one event: the moderation queue
// (approve, reject), the raised hands (bring on stage), the stage (back to
// the audience), the approved questions, external speaker links, and the
// staff speaker's camera (or, for a moderator who is no speaker, the
// event's video).

const root = document.getElementById('console');
const id = root.dataset.event;
const $ = (x) => document.getElementById(x);
const error = $('error');
let csrf = '';
let media = null;
const base = '/api/v1/staff/events/' + encodeURIComponent(id);

async function act(path, body) {
  showError(error, null);
  try { await api(base + path, {method: 'POST', body, csrf}); } catch (err) { showError(error, err); }
}

// sync makes list ol show items, keyed: kept entries keep their focus.
function sync(ol, items, key, make) {
  const want = new Map(items.map((x) => [key(x), x]));
  for (const li of [...ol.children]) if (!want.has(li.dataset.key)) li.remove();
  for (const [k, x] of want) {
    if (ol.querySelector(`[data-key="${k}"]`)) continue;
    const li = make(x);
    li.dataset.key = k;
    ol.append(li);
  }
  if (!ol.children.length) ol.append(el('li', {class: 'meta', 'data-key': '', text: S.eventNone}));
  else if (items.length) { const none = ol.querySelector('[data-key=""]'); if (none) none.remove(); }
}

const viewerName = (v) => fmt(S.eventViewer, {ID: v.slice(2, 6)});

function render(m) {
  const st = m.state;
  const mod = m.moderation;
  root.dataset.status = st.status;
  sync($('pending'), mod.pending, (q) => 'q' + q.id, (q) => el('li', {class: 'event-item'},
    el('p', {class: 'text', text: q.text}),
    el('span', {class: 'meta', text: viewerName(q.viewer)}), ' ',
    button(S.eventApprove, 'approve', () => act('/questions/' + q.id + '/approve')),
    button(S.eventReject, 'reject', () => act('/questions/' + q.id + '/reject'))));
  sync($('hands'), mod.hands, (v) => v.id, (v) => el('li', {class: 'event-item', 'data-viewer': v.id},
    el('span', {text: viewerName(v.id)}), ' ',
    button(S.eventBringOnStage, 'stage', () => act('/stage', {viewer: v.id, on_stage: true}))));
  sync($('stage'), mod.stage, (v) => v.id, (v) => el('li', {class: 'event-item', 'data-viewer': v.id},
    el('span', {text: viewerName(v.id)}), ' ',
    button(S.eventBackToAudience, 'unstage', () => act('/stage', {viewer: v.id, on_stage: false}))));
  sync($('questions'), st.questions, (q) => 'a' + q.id, (q) => el('li', {class: 'event-question', 'data-question': String(q.id), text: q.text}));
  if (st.status === 'cancelled' || st.status === 'ended') {
    $('ev-status').textContent = st.status === 'cancelled' ? S.eventCancelled : S.eventEnded;
    $('cancel').hidden = true;
    if (media) { media.close(); media = null; }
  }
}

function button(label, action, fn) {
  const b = el('button', {type: 'button', class: 'secondary', 'data-action': action, text: label});
  b.addEventListener('click', fn);
  return b;
}

async function grant() {
  return (await api(base + '/media', {method: 'POST', csrf})).grant;
}

$('start-media').addEventListener('click', async () => {
  showError(error, null);
  try {
    const r = await api(base + '/media', {method: 'POST', csrf});
    $('start-media').hidden = true;
    media = await startMedia($('media'), {signalURL: r.grant.signal_url, token: r.grant.token, iceServers: r.grant.ice_servers, renew: grant,
      room: id, uid: r.identity, lang: S.lang, role: r.role});
  } catch (err) { showError(error, err); }
});

$('invite').addEventListener('click', async () => {
  showError(error, null);
  try {
    const r = await api(base + '/speaker-invites', {method: 'POST', csrf});
    $('invite-url').textContent = r.url;
  } catch (err) { showError(error, err); }
});

$('cancel').addEventListener('click', () => {
  if (window.confirm(S.eventCancelConfirm)) act('/cancel');
});

async function main() {
  try {
    const me = await api('/api/v1/staff/me');
    csrf = me.csrf_token;
    render(await api(base));
  } catch (err) { showError(error, err); return; }
  live(() => base + '/stream', {onmessage: (m) => { if (m.type === 'state') render(m); }});
}
main();
