import {api, S, showError, saveTicketSession} from './common.js';

// The join link of a booking: /a/{id}#{join token}. The token is after
// '#', so it never reaches a server log; it goes to the API as a bearer
// token. Inside the slot's window the answer is a ticket first in the
// office's queue, and the page moves on to the waiting room as after a
// knock; outside it the message names the slot's date and time.
const box = document.getElementById('arrival');
const status = document.getElementById('arrival-status');
const error = document.getElementById('error');
const retry = document.getElementById('retry');
const token = decodeURIComponent(location.hash.slice(1));

async function arrive() {
  showError(error, null);
  retry.hidden = true;
  if (!token) {
    status.textContent = '';
    showError(error, new Error(S.arrivalNoLink));
    return;
  }
  try {
    const res = await api('/api/v1/bookings/' + encodeURIComponent(box.dataset.booking) + '/arrive', {method: 'POST', body: {}, token});
    saveTicketSession({id: res.id, token: res.token, number: res.number});
    location.replace('/wait/' + encodeURIComponent(res.id));
  } catch (err) {
    status.textContent = '';
    showError(error, err);
    // too early: the link opens later, so the citizen may try again
    retry.hidden = err.status !== 409 && !(err.status >= 500);
  }
}

retry.addEventListener('click', arrive);
arrive();
