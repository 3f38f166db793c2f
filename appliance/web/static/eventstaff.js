import {api, el, S, showError} from './common.js';

// eventstaff.js — the staff list of upcoming events and the form to
// create one (/staff/events); a created event opens in its console.

const $ = (x) => document.getElementById(x);
const error = $('error');
let csrf = '';

const when = (iso) => new Date(iso).toLocaleString(S.lang, {dateStyle: 'medium', timeStyle: 'short'});

async function list() {
  const r = await api('/api/v1/events');
  const ul = $('event-list');
  ul.replaceChildren();
  for (const e of r.events) {
    ul.append(el('li', {'data-event': e.id}, el('a', {href: '/staff/events/' + encodeURIComponent(e.id), text: e.title}), ' ',
      el('span', {class: 'meta', text: when(e.starts_at)})));
  }
  if (!r.events.length) ul.append(el('li', {class: 'meta', text: S.eventNone}));
}

$('create').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  showError(error, null);
  const body = {
    office_id: $('ev-office').value,
    title: $('ev-title').value,
    starts_at: new Date($('ev-start').value).toISOString(),
    ends_at: new Date($('ev-end').value).toISOString(),
    speakers: $('ev-speakers').value.split(',').map((s) => s.trim()).filter(Boolean),
    stage_slots: Number($('ev-slots').value) || 0,
    allow_video: $('ev-video').checked,
    service_id: $('ev-service').value.trim(),
  };
  try {
    const r = await api('/api/v1/staff/events', {method: 'POST', body, csrf});
    location.assign('/staff/events/' + encodeURIComponent(r.event.id));
  } catch (err) { showError(error, err); }
});

async function main() {
  try {
    csrf = (await api('/api/v1/staff/me')).csrf_token;
    await list();
  } catch (err) { showError(error, err); }
}
main();
