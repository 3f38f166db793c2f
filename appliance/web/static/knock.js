import {api, showError, saveTicketSession} from './common.js';

const form = document.getElementById('knock');
const error = document.getElementById('error');
if (form) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(error, null);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const res = await api('/api/v1/offices/' + encodeURIComponent(form.dataset.office) + '/knocks', {
        method: 'POST',
        body: {concern: form.concern.value, name: (form.elements.namedItem('name') || {value: ''}).value, language: form.language.value},
      });
      saveTicketSession({id: res.id, token: res.token, number: res.number});
      location.assign('/wait/' + encodeURIComponent(res.id));
    } catch (err) {
      showError(error, err);
      if (err.field && form[err.field]) {
        form[err.field].setAttribute('aria-invalid', 'true');
        form[err.field].focus();
      }
      button.disabled = false;
    }
  });
}
