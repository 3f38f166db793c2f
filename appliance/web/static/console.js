import {api, live, el, S, fmt, plural, showError, languageName} from './common.js';
import {forwardDialog, askText} from './dialogs.js';

const $ = (x) => document.getElementById(x);
const error = $('error');
let me, auth, refreshTimer, known = new Set(), first = true;

function beep() {
  try {
    const ctx = new AudioContext();
    const o = ctx.createOscillator(), g = ctx.createGain();
    o.frequency.value = 880; g.gain.value = 0.15;
    o.connect(g); g.connect(ctx.destination);
    o.start(); o.stop(ctx.currentTime + 0.25);
  } catch (_) { /* no audio */ }
}

// alertKnock tells the clerk about a new knock in three ways, so that no
// one depends on hearing: a tone, a visible (and announced) banner, and a
// browser notification when the page is in the background.
let alerted = '';
function alertKnock(t) {
  beep();
  const a = $('knock-alert');
  // a booked citizen who arrived through the join link: "Termin 10:15"
  const what = t.appointment_time ? fmt(S.appointmentAlert, {Time: t.appointment_time}) : S.knockAlert;
  a.textContent = what + ': ' + t.number + (t.service ? ' · ' + t.service : '');
  a.hidden = false;
  alerted = t.id;
  if ('Notification' in window && Notification.permission === 'granted' && document.hidden) {
    new Notification(what + ': ' + t.number, {body: t.language.toUpperCase(), tag: t.id});
  }
}

function alertsButton() {
  const b = $('alerts');
  if (!('Notification' in window) || Notification.permission !== 'default') { b.hidden = true; return; }
  b.textContent = S.enableAlerts;
  b.addEventListener('click', () => Notification.requestPermission().then(alertsButton));
}

async function act(t, action, body) {
  showError(error, null);
  try {
    const res = await api('/api/v1/staff/tickets/' + encodeURIComponent(t.id) + '/' + action, {method: 'POST', body: body || {}, ...auth});
    if (action === 'admit') location.assign(res.room_url);
    else refresh();
  } catch (err) { showError(error, err); refresh(); }
}

const queued = (t) => ['waiting', 'returned', 'forwarded'].includes(t.state);

// colleagueRow: a colleague's consultation is private; the queue shows
// only that it runs, with whom and for how long.
function colleagueRow(t) {
  const mins = Math.floor((t.consultation_seconds || 0) / 60);
  const who = t.clerk_name || t.clerk;
  return el('li', {class: 'ticket state-' + t.state, 'data-ticket': t.id, 'data-number': t.number},
    el('p', {class: 'ticket-head'},
      el('strong', {class: 'number', dir: 'ltr', text: t.number}), ' ',
      el('span', {class: 'status', text: plural(t.state === 'called' ? 'calledBy' : 'withClerk', {Name: who, Count: mins})})));
}

function row(t) {
  if (!queued(t) && t.clerk !== me.login) return colleagueRow(t);
  const li = el('li', {class: 'ticket state-' + t.state, 'data-ticket': t.id, 'data-number': t.number});
  const since = queued(t) ? plural('waitingFor', {Count: Math.floor(t.waiting_seconds / 60)})
    : plural(t.state === 'called' ? 'calledBy' : 'withClerk', {Name: t.clerk_name || t.clerk, Count: Math.floor((t.consultation_seconds || 0) / 60)});
  const head = el('p', {class: 'ticket-head'},
    el('strong', {class: 'number', dir: 'ltr', text: t.number}), ' ',
    el('span', {class: 'lang', lang: t.language, title: fmt(S.conversationLanguage, {Language: languageName(t.language)}), text: t.language.toUpperCase()}), ' ',
    el('span', {class: queued(t) ? 'waited' : 'status', text: since}));
  if (t.name) head.append(' · ', el('span', {class: 'name', text: t.name}));
  li.append(head);
  if (t.appointment_time) {
    li.append(el('p', {class: 'appointment'}, el('strong', {text: fmt(S.appointment, {Time: t.appointment_time})}), t.service ? ' · ' + t.service : ''));
  }
  li.append(el('p', {class: 'concern', text: t.concern}));
  if (t.forwarded_from) li.append(el('p', {class: 'meta', text: fmt(S.from, {Name: t.forwarded_from})}));
  if (t.reserved_for) li.append(el('p', {class: 'meta', text: fmt(S.reservedFor, {Name: t.reserved_for})}));
  if (t.forward_note) li.append(el('p', {class: 'note', text: '📝 ' + t.forward_note}));
  for (const n of t.notes || []) li.append(el('p', {class: 'note', text: '📝 ' + (n.author_name || n.author) + ': ' + n.text}));
  const actions = el('p', {class: 'ticket-actions'});
  if (queued(t)) {
    actions.append(
      el('button', {type: 'button', class: 'button', 'data-action': 'admit', text: S.admit, 'aria-label': S.admit + ' ' + t.number, onclick: () => act(t, 'admit')}), ' ',
      el('button', {type: 'button', class: 'secondary', 'data-action': 'decline', text: S.decline, onclick: async () => {
        const m = await askText(S.decline + ' ' + t.number, S.declineMsg);
        if (m) act(t, 'decline', {message: m});
      }}), ' ',
      el('button', {type: 'button', class: 'secondary', 'data-action': 'forward', text: S.forward, onclick: async () => {
        const b = await forwardDialog(auth);
        if (b) act(t, 'forward', b);
      }}), ' ');
  } else {
    if (t.room_id) actions.append(el('a', {class: 'button', href: '/room/' + encodeURIComponent(t.room_id), text: S.openRoom}), ' ');
  }
  actions.append(el('button', {type: 'button', class: 'secondary', 'data-action': 'note', text: S.note, onclick: async () => {
    const n = await askText(S.note + ' ' + t.number, S.note);
    if (n) act(t, 'notes', {text: n});
  }}));
  li.append(actions);
  return li;
}

// The queue is updated in place: a row, list or section whose content did
// not change keeps its DOM node, so a refresh (every ticket or presence
// event, and every 30 s) does not take the keyboard focus away or swallow
// a click on a button that was just re-rendered.
const rows = new Map();     // ticket id → {sig, li}
const sections = new Map(); // office id → {sec, heading, list}

// keep makes want parent's children, moving only the nodes that are out of
// place: a node that stays where it is keeps the focus.
function keep(parent, want) {
  want.forEach((n, i) => {
    const at = parent.children[i];
    if (at !== n) parent.insertBefore(n, at || null);
  });
  while (parent.children.length > want.length) parent.lastElementChild.remove();
}

async function refresh() {
  let res;
  try { res = await api('/api/v1/staff/offices', auth); } catch (err) { showError(error, err); return; }
  const box = $('offices');
  let mine = null;
  const seenRows = new Set();
  const secs = [];
  for (const o of res.offices) {
    let s = sections.get(o.id);
    if (!s) {
      const sec = el('section', {class: 'queue', 'data-office': o.id, 'aria-labelledby': 'q-' + o.id});
      s = {sec, heading: el('h2', {id: 'q-' + o.id}), list: el('ol', {class: 'tickets'})};
      sec.append(s.heading, s.list);
      sections.set(o.id, s);
    }
    // the counts are the rows' own: the office's queued tickets and its
    // running consultations, the two kinds of row below
    const waiting = o.queue.filter(queued), busy = o.queue.filter((t) => !queued(t));
    busy.sort((a, b) => (b.consultation_seconds || 0) - (a.consultation_seconds || 0) || a.number.localeCompare(b.number));
    const title = o.name + ' – ' + plural('countWaiting', {Count: waiting.length}) + (busy.length ? ' · ' + plural('countBusy', {Count: busy.length}) : '');
    if (s.heading.textContent !== title) s.heading.textContent = title;
    const items = [];
    for (const t of [...waiting, ...busy]) {
      const fresh = row(t);
      // what the clerk sees of the row (its buttons act on t.id only)
      const sig = fresh.outerHTML;
      const old = rows.get(t.id);
      const li = old && old.sig === sig ? old.li : fresh;
      rows.set(t.id, {sig, li});
      seenRows.add(t.id);
      items.push(li);
      if (queued(t) && !known.has(t.id) && !first) alertKnock(t);
      known.add(t.id);
      if (t.clerk === me.login && ['called', 'in_consultation'].includes(t.state)) mine = t;
    }
    if (!items.length) items.push(s.empty || (s.empty = el('li', {class: 'empty', text: S.empty})));
    keep(s.list, items);
    secs.push(s.sec);
  }
  for (const id of rows.keys()) if (!seenRows.has(id)) rows.delete(id);
  // the banner goes when its ticket has left the queue
  if (alerted && !seenRows.has(alerted)) { alerted = ''; $('knock-alert').hidden = true; }
  keep(box, secs);
  first = false;
  const m = $('mine');
  const mineKey = mine ? mine.number + '|' + mine.room_id : '';
  if (m.dataset.key !== mineKey) {
    m.dataset.key = mineKey;
    m.replaceChildren();
    if (mine) m.append(el('p', {}, S.mine + ': ', el('strong', {dir: 'ltr', text: mine.number}), ' ', el('a', {class: 'button', href: '/room/' + encodeURIComponent(mine.room_id), text: S.openRoom})));
  }
  m.hidden = !mine;
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 100);
}

async function main() {
  try { me = await api('/api/v1/staff/me'); } catch (err) { location.assign('/staff/login'); return; }
  auth = {csrf: me.csrf_token};
  $('me').textContent = me.display_name;
  // the audit log: admins, and office leads for their offices (the server decides too)
  $('adminusers-link').hidden = me.role !== 'admin' && me.role !== 'lead';
  $('presence').value = me.presence === 'in_consultation' ? 'available' : me.presence;
  $('presence').addEventListener('change', async (ev) => {
    try { await api('/api/v1/staff/me/presence', {method: 'PUT', body: {presence: ev.target.value}, ...auth}); } catch (err) { showError(error, err); }
  });
  if (me.presence === 'offline') {
    try { await api('/api/v1/staff/me/presence', {method: 'PUT', body: {presence: 'available'}, ...auth}); $('presence').value = 'available'; } catch (_) { /* ignore */ }
  }
  alertsButton();
  await refresh();
  live(() => '/api/v1/staff/events', {
    onmessage: (msg) => { if (msg.type === 'ticket' || msg.type === 'presence') scheduleRefresh(); },
    onstatus: (up) => { if (up) scheduleRefresh(); },
  });
  setInterval(refresh, 30000);
}

main();
