import {S, api, fmt, showError} from './common.js';

// /w/{offer id}#{token}: a freed slot offered to the waitlist; accepting
// books it (POST /api/v1/offers/{id}/accept with the token as Bearer).
const root = document.getElementById('offer');
if (root) {
  const token = decodeURIComponent(location.hash.slice(1));
  const button = document.getElementById('offer-accept');
  const error = document.getElementById('error');
  const digits = [...(S.digits || '0123456789')];
  const when = (t) => {
    let s;
    try {
      s = new Intl.DateTimeFormat(S.lang === 'de-x-ls' ? 'de' : S.lang, {timeZone: root.dataset.tz, dateStyle: 'full', timeStyle: 'short', numberingSystem: 'latn'}).format(new Date(t));
    } catch (_) { s = new Date(t).toISOString(); }
    return s.replace(/[0-9]/g, (d) => digits[d]);
  };
  button.addEventListener('click', async () => {
    showError(error, null);
    button.disabled = true;
    try {
      const b = await api('/api/v1/offers/' + encodeURIComponent(root.dataset.offer) + '/accept', {method: 'POST', token});
      document.getElementById('offer-ask').hidden = true;
      button.hidden = true;
      document.getElementById('offer-join').href = b.join_url;
      document.getElementById('offer-cancel').href = '/a/' + encodeURIComponent(b.id) + '/cancel#' + encodeURIComponent(b.cancel_token || '');
      const text = document.getElementById('offer-done-text');
      text.textContent = fmt(S.offer_done, {When: when(b.start)});
      document.getElementById('offer-done').hidden = false;
      text.focus();
    } catch (err) {
      showError(error, err);
      error.focus();
      button.disabled = false;
    }
  });
}
