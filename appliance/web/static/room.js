import {api, live, el, S, fmt, showError, ticketSession, clearTicketSession} from './common.js';
import {forwardDialog} from './dialogs.js';
import {showVisit} from './visit.js';
import {followCaptions, writeCaptions} from './captions.js';
import {startDocuments} from './documents.js';
import {roomBoard} from './roomboard.js';

const root = document.getElementById('room');
const room = root.dataset.room;
const $ = (x) => document.getElementById(x);
const error = $('error');
let auth = {};       // headers for api() and live()
let me = null;
let ticketId = null;
let chat;
let media = null; // the running video (media.js), if any
let visit = null; // the clerk's visit panel (visit.js), if shown
let rights = {};  // what my role may do here (GET /api/v1/rooms/{room} → me.rights)
let captions = null;
let perm = null;  // a permanent room's additions (permroom.js), if one
let docs = null;  // the room's documents (documents.js)
let board = null; // the whiteboard panel (roomboard.js)

// The chat form answers from the first moment: a message sent while the
// page is still finding out who may write here waits for that, instead
// of the browser posting the form itself and leaving the room.
let chatReady;
const chatOpen = new Promise((resolve) => { chatReady = resolve; });
$('chat-form').addEventListener('submit', (ev) => { ev.preventDefault(); chatOpen.then(send); });
$('chat-text').addEventListener('keydown', (ev) => { if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); $('chat-form').requestSubmit(); } });

async function identify() {
  const t = ticketSession();
  if (t) {
    try {
      const v = await api('/api/v1/tickets/' + encodeURIComponent(t.id) + '/enter', {method: 'POST', token: t.token});
      if (v.room_id === room) {
        auth = {token: t.token, ticket: t.id};
        ticketId = t.id;
        return {role: 'citizen', token: t.token};
      }
    } catch (_) { /* not (or no longer) this citizen's room */ }
  }
  let p = null;
  try { p = JSON.parse(sessionStorage.getItem('bb_participant') || 'null'); } catch (_) { p = null; }
  if (p && p.room === room) {
    auth = {token: p.token};
    return {role: p.role};
  }
  const staff = await api('/api/v1/staff/me');
  auth = {csrf: staff.csrf_token};
  return {role: 'clerk', clerk: staff};
}

function addMessage(m) {
  if (document.querySelector(`[data-seq="${m.seq}"]`)) return;
  const mine = me && ((me.role === 'clerk' && m.author_role === 'clerk' && me.clerk && m.author === me.clerk.display_name) || (me.role !== 'clerk' && m.author_role === me.role));
  const li = el('li', {class: 'msg ' + (mine ? 'mine' : 'theirs'), 'data-seq': String(m.seq), 'data-role': m.author_role});
  // what people typed goes in its own direction: an Arabic line in a German
  // page, or a German name in an Arabic one, keeps its reading order
  li.append(el('bdi', {class: 'author', text: mine ? S.you : m.author}), ': ');
  if (m.text) li.append(el('span', {class: 'text', dir: 'auto', text: m.text}));
  if (m.file && m.file.deleted) {
    li.append(el('bdi', {class: 'file deleted', text: m.file.name + ' (' + S.docDeleted + ')'}));
  } else if (m.file && rights.download === false) {
    // the role may not download: the file is named, not offered
    li.append(el('bdi', {class: 'file', 'data-file': 'no-download', text: '📎 ' + m.file.name + ' (' + fmt(S.docSize, {KiB: Math.max(1, Math.ceil(m.file.size / 1024))}) + ')'}));
  } else if (m.file) {
    const b = el('button', {type: 'button', class: 'link', 'data-file': m.file.id, text: '📎 ' + m.file.name + ' (' + fmt(S.docSize, {KiB: Math.max(1, Math.ceil(m.file.size / 1024))}) + ')'});
    b.addEventListener('click', () => docs && docs.download(m.file));
    li.append(b);
  }
  li.append(' ', el('time', {datetime: m.at, text: new Date(m.at).toLocaleTimeString(S.lang, {hour: '2-digit', minute: '2-digit'})}));
  $('messages').append(li);
  li.scrollIntoView({block: 'nearest'});
}

async function send() {
  showError(error, null);
  const text = $('chat-text').value.trim();
  if (!text) return;
  try {
    const m = await api('/api/v1/rooms/' + encodeURIComponent(room) + '/messages', {method: 'POST', body: {text, client_id: crypto.randomUUID()}, ...auth});
    addMessage(m);
    $('chat-text').value = '';
  } catch (err) { showError(error, err); }
}

function ended() {
  $('state').textContent = S.roomEnded;
  $('chat-form').hidden = true;
  $('caption-form').hidden = true;
  $('invite-form').hidden = true;
  if (captions) { captions.stop(); captions = null; }
  if (docs) docs.ended();
  if (chat) chat.stop();
  if (media) { media.close(); media = null; }
  if (visit) { visit.stop(); visit = null; }
  if (board) board.stop();
  const box = $('actions');
  if (me && me.role === 'clerk' && !box.querySelector('[data-action=console]')) {
    box.replaceChildren(el('a', {class: 'button', href: '/staff', 'data-action': 'console', text: S.toConsole}));
    box.hidden = false;
  } else if (me && me.role === 'citizen') {
    box.hidden = true;
  }
}

// citizenActions: the citizen can leave (hang up); the consultation ends.
function citizenActions(t) {
  const box = $('actions');
  box.hidden = false;
  box.append(el('button', {type: 'button', class: 'danger', 'data-action': 'hangup', text: S.hangUp, onclick: async () => {
    if (!confirm(S.confirmHangUp)) return;
    showError(error, null);
    try {
      await api('/api/v1/tickets/' + encodeURIComponent(t.id), {method: 'DELETE', token: t.token});
      ended();
      $('state').textContent = S.ended;
      clearTicketSession();
    } catch (err) { showError(error, err); }
  }}));
}

function followTicket(t) {
  // the citizen's own ticket: forwarded or returned → back to the waiting room
  live(() => '/api/v1/tickets/' + encodeURIComponent(t.id) + '/events', {
    auth: {token: t.token},
    onmessage: (msg) => {
      const v = msg.ticket;
      if (!v) return;
      if (['waiting', 'returned', 'forwarded'].includes(v.state)) { location.assign('/wait/' + encodeURIComponent(t.id)); return 'stop'; }
      if (v.state === 'called' && v.room_id && v.room_id !== room) { location.assign('/room/' + encodeURIComponent(v.room_id)); return 'stop'; }
      if (['ended', 'declined', 'abandoned'].includes(v.state)) {
        ended();
        $('state').textContent = v.state === 'declined' ? S.declined + ' ' + (v.message || '') : S.ended;
        clearTicketSession();
        return 'stop';
      }
    },
  });
}

async function clerkActions(ticket) {
  const box = $('actions');
  box.hidden = false;
  const act = async (action, body) => {
    showError(error, null);
    try {
      await api('/api/v1/staff/tickets/' + encodeURIComponent(ticket) + '/' + action, {method: 'POST', body: body || {}, ...auth});
      if (action !== 'notes') { ended(); location.assign('/staff'); }
    } catch (err) { showError(error, err); }
  };
  box.append(
    el('button', {type: 'button', class: 'secondary', 'data-action': 'return', text: S.return, onclick: () => act('return')}),
    el('button', {type: 'button', class: 'secondary', 'data-action': 'forward', text: S.forward, onclick: async () => {
      const body = await forwardDialog(auth);
      if (body) act('forward', body);
    }}),
    el('button', {type: 'button', class: 'secondary', 'data-action': 'invite', 'aria-controls': 'invite-form', text: S.invite, onclick: () => {
      $('invite-form').hidden = false;
      $('invite-role').focus();
    }}),
    el('button', {type: 'button', class: 'danger', 'data-action': 'end', text: S.end, onclick: () => act('end')}),
  );
}

// inviteForm: the clerk invites an external (interpreter, guardian, …)
// with the role's rights in this office; the link is shown to pass on.
function inviteForm() {
  $('invite-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(error, null);
    try {
      const body = {role: $('invite-role').value, language: $('invite-language').value.trim(), name: $('invite-name').value.trim()};
      const inv = await api('/api/v1/staff/rooms/' + encodeURIComponent(room) + '/invites', {method: 'POST', body, ...auth});
      $('actions').append(el('p', {class: 'invite', 'data-role': body.role}, S.inviteLink + ' ', el('code', {text: inv.url})));
      $('invite-name').value = '';
    } catch (err) { showError(error, err); }
  });
}

// applyRights hides what the role may not do (the chat; documents.js
// hides upload and download by the room's may_upload and may_download;
// the server refuses them anyway) and shows the concern to roles that
// may see it.
function applyRights(info) {
  if (!rights.chat) $('chat-form').hidden = true;
  if (info.concern && me.role !== 'clerk' && me.role !== 'citizen') {
    $('concern').textContent = info.concern;
    $('concern-box').hidden = false;
  }
}

async function startVideo() {
  // A fresh, single-use admission grant; media.js asks again when its
  // signalling connection is lost (network change, appliance restart).
  const grantFor = () => api('/api/v1/rooms/' + encodeURIComponent(room) + '/media', auth);
  let grant;
  try { grant = await grantFor(); } catch (_) { return; }
  let mod;
  try { mod = await import('./media.js'); } catch (_) { return; }
  if (mod && mod.startMedia) {
    media = await mod.startMedia($('media'), {signalURL: grant.signal_url, token: grant.token, iceServers: grant.ice_servers, renew: grantFor,
      onEnded: ended, room, uid: me.role + '-' + crypto.randomUUID(), lang: S.lang, role: me.role, rights});
  }
}

async function main() {
  try { me = await identify(); } catch (err) {
    if (err.status === 401 || err.status === 403 || err.status === 404) {
      // no ticket, no participant link, no staff session for this room:
      // say so plainly instead of "please sign in" to a citizen
      root.hidden = true;
      $('no-access').hidden = false;
    } else {
      showError(error, err);
      $('chat-form').hidden = true;
    }
    return;
  }
  root.dataset.role = me.role;
  let info;
  try { info = await api('/api/v1/rooms/' + encodeURIComponent(room), auth); } catch (err) { showError(error, err); return; }
  rights = info.me.rights || {};
  applyRights(info);
  if (info.room.ended_at) {
    // nothing runs in an ended room: no stream, no camera, no board
    ended();
    return;
  } else {
    captions = followCaptions(room, auth, $('captions'));
    if (me.role === 'written_interpreter') writeCaptions(room, auth, $('caption-form'));
  }
  if (info.permanent) {
    perm = (await import('./permroom.js')).startPermanent({room, auth, me, info: info.permanent});
    if (info.permanent.full) { perm.full(); return; }
  }
  docs = startDocuments({room, auth});
  chatReady();
  board = roomBoard(room, auth, {canClear: me.role === 'clerk', onError: (err) => showError(error, err)});
  chat = live(() => '/api/v1/rooms/' + encodeURIComponent(room) + '/events?after=' + lastSeq(), {
    auth,
    onmessage: (msg) => {
      if (msg.type === 'state') { if (perm) perm.update(msg); return; }
      if (msg.type !== 'message') { board.event(msg); return; }
      addMessage(msg.message);
      // a new document, or a notice that one was deleted
      if (msg.message.file || msg.message.author_role === 'system') docs.refresh();
    },
    onstatus: (up) => { if (!$('state').dataset.removed) $('state').textContent = up ? '' : S.reconnecting; if (up) board.resync(); },
    // the room refuses this person now: it ended (an invited participant
    // learns it only here), or a permanent room's host removed them
    onfatal: () => { ended(); if (perm) perm.removed(); },
  });
  if (me.role === 'citizen') { followTicket(ticketSession()); citizenActions(ticketSession()); }
  if (me.role === 'clerk' && !perm) {
    clerkActions(info.room.ticket_id);
    inviteForm();
    if (!info.room.ended_at) showVisit(info.room.ticket_id, auth).then((v) => { if ($('chat-form').hidden) v.stop(); else visit = v; }, (err) => showError(error, err));
  }
  startVideo();
}

function lastSeq() {
  const all = document.querySelectorAll('#messages [data-seq]');
  return all.length ? all[all.length - 1].dataset.seq : 0;
}

main();
