// permrooms.js — the staff list of permanent rooms: each with its stable
// link, free or occupied and knocks waiting (live), the way in; leads and
// admins create rooms.
import {api, live, el, S, fmt, showError} from './common.js';

const $ = (x) => document.getElementById(x);
const error = $('error');
let csrf = '';

function render(rooms) {
  $('rooms-empty').hidden = rooms.length > 0;
  $('rooms').replaceChildren(...rooms.map((r) => {
    const link = location.origin + '/p/' + encodeURIComponent(r.id);
    const li = el('li', {class: 'permroom-item', 'data-room': r.id, 'data-occupied': String(r.occupied)},
      el('h3', {dir: 'auto', text: r.title}),
      el('p', {class: 'occupancy', 'data-occupied': String(r.occupied), text: (r.occupied ? S.permroomOccupied : S.permroomFree) + (r.occupied ? ' · ' + fmt(S.permroomCount, {Count: r.count, Max: r.max}) : '')}),
      el('p', {}, S.permroomLink + ' ', el('code', {dir: 'ltr', text: link})),
    );
    if (r.waiting) li.append(el('p', {class: 'knock-alert', text: fmt(S.permroomWaiting, {Count: r.waiting})}));
    li.append(el('a', {class: 'button', href: '/room/' + encodeURIComponent(r.id), 'data-action': 'enter', text: S.permroomEnter}));
    return li;
  }));
}

async function main() {
  let me;
  try { me = await api('/api/v1/staff/me'); } catch (err) { showError(error, err); return; }
  csrf = me.csrf_token;
  if (me.role === 'lead' || me.role === 'admin') {
    try {
      const offices = (await api('/api/v1/staff/offices')).offices;
      $('create-office').replaceChildren(...offices.map((o) => el('option', {value: o.id, text: o.name})));
      $('create').hidden = offices.length === 0;
    } catch (err) { showError(error, err); }
  }
  $('create-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(error, null);
    try {
      await api('/api/v1/staff/permanent-rooms', {method: 'POST', csrf, body: {office_id: $('create-office').value, title: $('create-name').value, keep_documents: $('create-keep').checked}});
      $('create-name').value = '';
    } catch (err) { showError(error, err); }
  });
  live(() => '/api/v1/staff/permanent-rooms/events', {
    onmessage: (msg) => { if (msg.type === 'rooms') render(msg.rooms); },
  });
}

main();
