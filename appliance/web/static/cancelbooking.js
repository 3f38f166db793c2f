import {api, showError} from './common.js';

// /a/{id}/cancel#{token}: the token from the message's link is after '#',
// so it reaches the server only in the Authorization header, on click
// (link previews do not cancel).
const root = document.getElementById('cancel-booking');
if (root) {
  const token = decodeURIComponent(location.hash.slice(1));
  const button = document.getElementById('cancel-confirm');
  const error = document.getElementById('error');
  button.addEventListener('click', async () => {
    showError(error, null);
    button.disabled = true;
    try {
      await api('/api/v1/bookings/' + encodeURIComponent(root.dataset.booking), {method: 'DELETE', token});
      document.getElementById('cancel-ask').hidden = true;
      button.hidden = true;
      const done = document.getElementById('cancel-done');
      done.hidden = false;
      done.focus();
    } catch (err) {
      showError(error, err);
      error.focus();
      button.disabled = false;
    }
  });
}
