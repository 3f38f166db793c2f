// permlobby.js — the public page of a permanent room: whether it is free
// or occupied (live), and the knock: a name, no account; a host inside
// admits, and the page then enters the room with the session it collects
// once.
import {api, live, S, showError} from './common.js';

const root = document.getElementById('permlobby');
const room = root.dataset.room;
const $ = (x) => document.getElementById(x);
const error = $('error');
const base = '/api/v1/permanent-rooms/' + encodeURIComponent(room);
let knock = null; // {id, token}
let following = false;

function showStatus(st) {
  const occ = $('occupancy');
  occ.dataset.occupied = String(st.occupied);
  occ.textContent = st.occupied ? S.permroomOccupied : S.permroomFree;
}

async function follow() {
  if (!knock || following) return;
  following = true;
  try {
    const st = await api(base + '/knocks/' + encodeURIComponent(knock.id), {token: knock.token});
    if (st.state === 'admitted' && st.session) {
      sessionStorage.setItem('bb_participant', JSON.stringify({room, token: st.session, role: 'guest'}));
      sessionStorage.removeItem('bb_knock');
      location.assign('/room/' + encodeURIComponent(room));
    }
  } catch (err) {
    if (err.status === 410 || err.status === 401) {
      knock = null;
      sessionStorage.removeItem('bb_knock');
      $('waiting').hidden = true;
      $('knock-box').hidden = false;
      showError(error, err);
    }
  } finally { following = false; }
}

function waiting() {
  $('knock-box').hidden = true;
  $('waiting').hidden = false;
  $('withdraw').focus();
}

$('knock-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  showError(error, null);
  try {
    knock = await api(base + '/knocks', {method: 'POST', body: {name: $('knock-name').value}});
    sessionStorage.setItem('bb_knock', JSON.stringify({room, ...knock}));
    waiting();
    follow();
  } catch (err) { showError(error, err); }
});

$('withdraw').addEventListener('click', async () => {
  if (!knock) return;
  try { await api(base + '/knocks/' + encodeURIComponent(knock.id), {method: 'DELETE', token: knock.token}); } catch (_) { /* gone anyway */ }
  knock = null;
  sessionStorage.removeItem('bb_knock');
  $('waiting').hidden = true;
  $('knock-box').hidden = false;
  $('knock-name').focus();
});

try {
  const k = JSON.parse(sessionStorage.getItem('bb_knock') || 'null');
  if (k && k.room === room) { knock = {id: k.id, token: k.token}; waiting(); }
} catch (_) { /* none */ }

// every change of the room (occupancy, a knock admitted) comes as a
// message; the knock is looked at then
live(() => base + '/events', {
  onmessage: (msg) => {
    if (msg.type === 'status') showStatus(msg.status);
    follow();
  },
});
