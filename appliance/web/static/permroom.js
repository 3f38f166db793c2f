// permroom.js — what a permanent room adds to the room page (room.js):
// who is inside, the hosts' lobby (admit one or all), remove and mute, the
// video grid sized by the number of people, and the messages for a
// removed, muted or refused (full) person. The state comes on the room's
// own stream (type "state"); the server enforces every rule.
import {api, el, S, fmt, showError} from './common.js';

const $ = (x) => document.getElementById(x);

export function startPermanent({room, auth, me, info}) {
  const root = $('room');
  root.classList.add('perm');
  const error = $('error');
  const staffAPI = '/api/v1/staff/permanent-rooms/' + encodeURIComponent(room);
  const side = root.querySelector('.room-side');
  const people = el('ol', {id: 'perm-people', class: 'perm-people'});
  const peopleBox = el('section', {class: 'perm-box', 'aria-labelledby': 'perm-people-title'},
    el('h2', {id: 'perm-people-title', text: S.permroomPeople}), people);
  const lobby = el('ol', {id: 'perm-lobby', class: 'perm-lobby'});
  const admitAll = el('button', {type: 'button', class: 'secondary', 'data-action': 'admit-all', text: S.permroomAdmitAll});
  const lobbyBox = el('section', {class: 'perm-box', id: 'perm-lobby-box', hidden: true, 'aria-labelledby': 'perm-lobby-title'},
    el('h2', {id: 'perm-lobby-title', text: S.permroomLobby}), lobby, admitAll);
  const mutedNote = el('p', {id: 'perm-muted', class: 'perm-muted', role: 'status', hidden: true, text: S.permroomYouMuted});
  side.prepend(lobbyBox, peopleBox);
  root.querySelector('.room-stage').prepend(mutedNote);
  const act = async (path, body) => {
    showError(error, null);
    try { await api(staffAPI + '/' + path, {method: 'POST', body, ...auth}); } catch (err) { showError(error, err); }
  };
  admitAll.addEventListener('click', () => act('admit', {}));
  const box = $('actions');
  box.hidden = false;
  box.append(el('button', {type: 'button', class: 'secondary', 'data-action': 'leave', text: S.permroomLeave, onclick: () => {
    if (me.role !== 'clerk') sessionStorage.removeItem('bb_participant');
    location.assign(me.role === 'clerk' ? '/staff/rooms' : '/p/' + encodeURIComponent(room));
  }}));

  function render(st) {
    const h1 = document.querySelector('main h1');
    if (h1 && st.title) { h1.textContent = st.title; h1.dir = 'auto'; }
    $('media').dataset.count = String(Math.min(st.count, 12));
    mutedNote.hidden = !st.muted;
    people.replaceChildren(...st.people.map((p) => {
      const li = el('li', {'data-identity': p.identity, 'data-muted': String(p.muted)},
        el('bdi', {class: 'name', text: p.name}),
        p.staff ? el('span', {class: 'tag', text: ' · ' + S.permroomStaff}) : '',
        p.muted ? el('span', {class: 'tag', text: ' · ' + S.permroomMuted}) : '');
      if (st.host) {
        li.append(' ', el('button', {type: 'button', class: 'secondary', 'data-action': p.muted ? 'unmute' : 'mute',
          'aria-label': fmt(p.muted ? S.permroomUnmuteWho : S.permroomMuteWho, {Name: p.name}),
          text: p.muted ? S.permroomUnmute : S.permroomMute,
          onclick: () => act('mute', {identity: p.identity, muted: !p.muted})}));
        if (!p.staff) {
          li.append(' ', el('button', {type: 'button', class: 'danger', 'data-action': 'remove',
            'aria-label': fmt(S.permroomRemoveWho, {Name: p.name}), text: S.permroomRemove,
            onclick: () => act('remove', {identity: p.identity})}));
        }
      }
      return li;
    }));
    lobbyBox.hidden = !st.host;
    const knocks = st.lobby || [];
    admitAll.hidden = knocks.length < 2;
    lobby.replaceChildren(...knocks.map((k) => el('li', {'data-knock': k.id},
      el('bdi', {class: 'name', text: k.name}), ' ',
      el('button', {type: 'button', class: 'button', 'data-action': 'admit', 'aria-label': fmt(S.permroomAdmitWho, {Name: k.name}), text: S.permroomAdmit,
        onclick: () => act('admit', {knock_id: k.id})}))));
    if (st.host && knocks.length === 0) lobby.append(el('li', {class: 'hint', text: S.permroomLobbyEmpty}));
  }
  render(info.state);

  return {
    update(msg) { if (msg.type === 'state') render(msg.state); },
    // removed: a host removed this person; their access has ended
    removed() {
      sessionStorage.removeItem('bb_participant');
      $('state').textContent = S.permroomRemoved;
      $('state').dataset.removed = 'true';
      peopleBox.hidden = true;
      lobbyBox.hidden = true;
      box.replaceChildren(el('a', {class: 'button', href: '/p/' + encodeURIComponent(room), text: S.permroomBackToLobby}));
    },
    full() {
      $('state').textContent = S.permroomFull;
      $('state').dataset.full = 'true';
      $('chat-form').hidden = true;
    },
  };
}
