import {api, live, S, fmt, num, plural, ticketSession, clearTicketSession} from './common.js';

const root = document.getElementById('waiting');
const id = root.dataset.ticket;
const $ = (x) => document.getElementById(x);
const session = ticketSession();
let conn;
// CALL_ANNOUNCE_MS: the called page stays this long before it opens the
// room, so a screen reader can say "Sie werden aufgerufen" first.
const CALL_ANNOUNCE_MS = 2500;

// setText changes an element only when its text changes: a screen reader
// announces every change, so the same text must not be written again.
const setText = (x, v) => { if ($(x).textContent !== v) $(x).textContent = v; };

// announce tells a screen reader the place and the estimate, politely and
// only when the place or the estimate's bucket changes (soon, each minute
// up to 5, then steps of 5 minutes), not on every update.
let heard = '';
function announce(t) {
  const mins = Math.ceil(t.estimate_seconds / 60);
  const bucket = t.estimate_seconds < 60 ? 0 : (mins <= 5 ? mins : Math.ceil(mins / 5) * 5);
  const key = t.place + '/' + bucket;
  if (key === heard) return;
  heard = key;
  setText('announce', S.place + ' ' + num(t.place) + '. ' + $('estimate').textContent);
}
// the page's own title, before the place is put in front of it
const title = document.title;

// over shows the visit's last state: no place, no estimate, nothing left
// for a screen reader to repeat, and the way back to the offices.
function over(text) {
  $('state').textContent = text;
  $('place').textContent = '–';
  $('estimate').textContent = '';
  setText('announce', '');
  document.title = title;
  $('leave').hidden = true;
  $('again').hidden = false;
}

function lost() {
  if (conn) conn.stop();
  over(S.lost);
}

function render(t) {
  setText('number', t.number);
  if (t.office_name) setText('office', '(' + t.office_name + ')');
  $('enter').hidden = true;
  $('leave').hidden = false;
  switch (t.state) {
    case 'waiting': case 'returned': case 'forwarded': {
      setText('place', num(t.place));
      // the place shows in the browser tab while the citizen does something else
      document.title = S.place + ' ' + num(t.place) + ' – ' + title;
      setText('estimate', t.estimate_seconds < 60 ? S.soon : fmt(S.estimate, {Minutes: Math.ceil(t.estimate_seconds / 60)}));
      setText('state', t.state === 'forwarded' ? fmt(S.forwarded, {Office: t.office_name}) : (t.state === 'returned' ? S.returned : ''));
      announce(t);
      break;
    }
    case 'called': case 'in_consultation': {
      $('place').textContent = '–';
      $('estimate').textContent = '';
      setText('announce', '');
      setText('state', S.called);
      const a = $('enter');
      a.href = '/room/' + encodeURIComponent(t.room_id);
      a.hidden = false;
      document.title = '🔔 ' + document.title;
      setTimeout(() => location.assign(a.href), CALL_ANNOUNCE_MS);
      return 'stop';
    }
    case 'declined':
      over(S.declined + (t.message ? ' ' + t.message : ''));
      clearTicketSession();
      return 'stop';
    case 'ended': case 'abandoned':
      over(t.state === 'ended' ? S.ended : S.abandoned);
      clearTicketSession();
      return 'stop';
  }
}

if (!session || session.id !== id) {
  lost();
} else {
  conn = live(() => '/api/v1/tickets/' + encodeURIComponent(id) + '/events', {
    auth: {token: session.token},
    onmessage: (msg) => msg.type === 'ticket' ? render(msg.ticket) : undefined,
    onstatus: async (up) => {
      setText('conn', up ? '' : S.reconnecting);
      if (!up) {
        try { await api('/api/v1/tickets/' + encodeURIComponent(id), {token: session.token}); }
        catch (err) { if (err.status === 401 || err.status === 404) lost(); }
      }
    },
  });
  $('leave').addEventListener('click', async () => {
    if (!confirm(S.confirmLeave)) return;
    try { await api('/api/v1/tickets/' + encodeURIComponent(id), {method: 'DELETE', token: session.token}); } catch (_) { /* already gone */ }
    conn.stop();
    clearTicketSession();
    render({state: 'abandoned', number: session.number, office_name: ''});
  });
}
