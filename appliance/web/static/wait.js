import {api, live, S, fmt, num, plural, ticketSession, clearTicketSession} from './common.js';

const root = document.getElementById('waiting');
const id = root.dataset.ticket;
const $ = (x) => document.getElementById(x);
const session = ticketSession();
let conn;
// the page's own title, before the place is put in front of it
const title = document.title;

function lost() {
  if (conn) conn.stop();
  $('state').textContent = S.lost;
  $('place').textContent = '–';
  $('estimate').textContent = '';
  $('leave').hidden = true;
}

function render(t) {
  $('number').textContent = t.number;
  $('office').textContent = '(' + t.office_name + ')';
  $('enter').hidden = true;
  $('leave').hidden = false;
  switch (t.state) {
    case 'waiting': case 'returned': case 'forwarded': {
      $('place').textContent = num(t.place);
      // the place shows in the browser tab while the citizen does something else
      document.title = S.place + ' ' + num(t.place) + ' – ' + title;
      $('estimate').textContent = t.estimate_seconds < 60 ? S.soon : fmt(S.estimate, {Minutes: Math.ceil(t.estimate_seconds / 60)});
      $('state').textContent = t.state === 'forwarded' ? fmt(S.forwarded, {Office: t.office_name}) : (t.state === 'returned' ? S.returned : '');
      break;
    }
    case 'called': case 'in_consultation': {
      $('place').textContent = '–';
      $('estimate').textContent = '';
      $('state').textContent = S.called;
      const a = $('enter');
      a.href = '/room/' + encodeURIComponent(t.room_id);
      a.hidden = false;
      document.title = '🔔 ' + document.title;
      location.assign(a.href);
      return 'stop';
    }
    case 'declined':
      $('state').textContent = S.declined + (t.message ? ' ' + t.message : '');
      $('place').textContent = '–'; $('estimate').textContent = ''; $('leave').hidden = true;
      clearTicketSession();
      return 'stop';
    case 'ended': case 'abandoned':
      $('state').textContent = t.state === 'ended' ? S.ended : S.abandoned;
      $('place').textContent = '–'; $('estimate').textContent = ''; $('leave').hidden = true;
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
      $('conn').textContent = up ? '' : S.reconnecting;
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
