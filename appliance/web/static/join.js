import {api, showError} from './common.js';

// The invite link is /join#{token}: the token is after '#', so the browser
// never sends it to a server (no request line, log or Referer holds it);
// it goes to the API as a bearer token. Links of the release before,
// /join/{token}, still work: the token is read from the path, and the
// address becomes /join#{token}, so a reload does not send it again. It
// is redeemed once, on click, so that link previews do not use it up.
let token = decodeURIComponent(location.hash.slice(1));
if (!token && location.pathname.startsWith('/join/')) {
  token = decodeURIComponent(location.pathname.slice('/join/'.length));
  history.replaceState(null, '', '/join#' + encodeURIComponent(token));
}
document.getElementById('join').addEventListener('click', async () => {
  try {
    const res = await api('/api/v1/invites/redeem', {method: 'POST', body: {}, token});
    sessionStorage.setItem('bb_participant', JSON.stringify({room: res.room_id, token: res.token, role: res.role}));
    location.replace('/room/' + encodeURIComponent(res.room_id));
  } catch (err) { showError(document.getElementById('error'), err); }
});
