import {api, showError} from './common.js';

// The invite token is in the path; it is redeemed once, on click, so that
// link previews do not use it up.
const token = location.pathname.split('/').pop();
document.getElementById('join').addEventListener('click', async () => {
  try {
    const res = await api('/api/v1/invites/' + encodeURIComponent(token), {method: 'POST'});
    sessionStorage.setItem('bb_participant', JSON.stringify({room: res.room_id, token: res.token, role: res.role}));
    location.replace('/room/' + encodeURIComponent(res.room_id));
  } catch (err) { showError(document.getElementById('error'), err); }
});
