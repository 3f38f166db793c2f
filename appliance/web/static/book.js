import {S, api, fmt, plural, showError, el} from './common.js';

// The booking page: service → day → slot → contact → proof of work →
// hold → code → booking; a full day offers the waitlist instead. Errors
// come from the API in the page's language (Accept-Language) and are
// announced (role=alert) and focused; the field they name is marked.

const root = document.getElementById('booking');
const form = document.getElementById('book');
if (root && form) {
  const office = root.dataset.office;
  const tz = root.dataset.tz;
  const digits = [...(S.digits || '0123456789')];
  const $ = (id) => document.getElementById(id);
  const error = $('error');
  const slotsBox = $('slots');
  const slotsStatus = $('slots-status');
  const waitlist = $('waitlist');
  const widget = $('pow');
  let slotsByDay = new Map();
  let pending = null; // {kind: 'hold'|'wait', id, service, start}

  // clock writes a time of day in the site's time zone the language's way.
  const clockParts = new Intl.DateTimeFormat('en-GB', {timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23'});
  const dayOf = new Intl.DateTimeFormat('en-CA', {timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit'});
  const localDigits = (s) => s.replace(/[0-9]/g, (d) => digits[d]);
  function clock(t) {
    const p = Object.fromEntries(clockParts.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return fmt(root.dataset.time, {Hour: localDigits(p.hour), Minute: localDigits(p.minute)});
  }

  const service = () => form.querySelector('input[name=service]:checked');
  const day = $('day');

  function markInvalid(err, scope) {
    for (const n of scope.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
    let f = err && err.field && scope.elements && scope.elements.namedItem(err.field);
    // a name several controls share (services, the conversation language
    // of each service): the one the citizen can use
    if (f && !f.focus && f.length) f = [...f].find((x) => !x.disabled) || null;
    if (f && f.focus) {
      f.setAttribute('aria-invalid', 'true');
      f.focus();
      return true;
    }
    return false;
  }
  function fail(node, err, scope) {
    showError(node, err);
    if (!markInvalid(err, scope)) node.focus();
  }

  // conversation shows the conversation languages of the chosen service
  // only; the others are disabled, so the form has one.
  function conversation() {
    const svc = service();
    let chosen = null;
    for (const f of form.querySelectorAll('[data-conversation]')) {
      const on = !!svc && f.dataset.conversation === svc.id;
      f.hidden = !on;
      f.querySelector('select').disabled = !on;
      if (on) chosen = f.querySelector('select');
    }
    return chosen;
  }

  async function loadSlots() {
    conversation();
    slotsBox.replaceChildren();
    waitlist.hidden = true;
    const svc = service();
    if (!svc || !day.options.length) {
      slotsStatus.textContent = S.book_no_days;
      return;
    }
    slotsStatus.textContent = S.book_loading;
    const first = day.options[0].value, last = day.options[day.options.length - 1].value;
    try {
      const res = await api('/api/v1/offices/' + encodeURIComponent(office) + '/services/' + encodeURIComponent(svc.value) +
        '/slots?from=' + first + '&to=' + last + 'T23:59:59Z');
      slotsByDay = new Map();
      for (const s of res.slots) {
        const d = dayOf.format(new Date(s.start));
        if (!slotsByDay.has(d)) slotsByDay.set(d, []);
        slotsByDay.get(d).push(s);
      }
      showDay();
    } catch (err) {
      slotsStatus.textContent = '';
      fail(error, err, form);
    }
  }

  function showDay() {
    slotsBox.replaceChildren();
    const list = slotsByDay.get(day.value) || [];
    for (const [i, s] of list.entries()) {
      const id = 'slot-' + i;
      slotsBox.append(el('span', {class: 'slot'},
        el('input', {type: 'radio', name: 'start', id, value: s.start}),
        el('label', {for: id, text: clock(s.start)})));
    }
    waitlist.hidden = list.length > 0;
    slotsStatus.textContent = list.length ? plural('book_slots', {Count: list.length}) : S.book_day_full;
  }

  // proof returns a fresh solved proof of work, starting the widget if
  // it has not solved one yet.
  function proof() {
    const solved = form.elements.namedItem('altcha');
    if (widget.getState && widget.getState() === 'verified' && solved && solved.value) return Promise.resolve(solved.value);
    return new Promise((resolve, reject) => {
      const done = (ev) => {
        const st = ev.detail && ev.detail.state;
        if (st === 'verified') { widget.removeEventListener('statechange', done); resolve(ev.detail.payload); }
        if (st === 'error' || st === 'expired') { widget.removeEventListener('statechange', done); reject(new Error(S.book_pow_failed)); }
      };
      widget.addEventListener('statechange', done);
      if (widget.getState && widget.getState() !== 'verifying') widget.verify();
    });
  }
  // spent: a proof of work counts once; the next request needs a new one.
  function spent() { if (widget.reset) widget.reset(); }

  async function submit(kind, button) {
    showError(error, null);
    markInvalid(null, form);
    const svc = service();
    const start = form.querySelector('input[name=start]:checked');
    if (kind === 'hold' && !start) {
      fail(error, new Error(S.book_pick_slot), form);
      return;
    }
    if (!form.contact.value.trim()) {
      fail(error, Object.assign(new Error(form.contact.type === 'email' ? S.book_need_email : S.book_need_contact), {field: 'contact'}), form);
      return;
    }
    button.disabled = true;
    try {
      const pow = await proof();
      const base = {service: svc.value, contact: form.contact.value.trim(), language: S.lang, proof_of_work: pow};
      let res;
      if (kind === 'hold') {
        res = await api('/api/v1/offices/' + encodeURIComponent(office) + '/holds', {method: 'POST',
          body: {...base, start: start.value, concern: form.concern.value, conversation_language: conversation() ? conversation().value : ''}});
      } else {
        res = await api('/api/v1/offices/' + encodeURIComponent(office) + '/waitlist', {method: 'POST', body: {...base, day: day.value}});
      }
      spent();
      pending = {kind, id: res.id, service: svc, start: start && start.value};
      $('code-sent').textContent = fmt(S.book_code_sent, {Contact: base.contact, Time: clock(res.expires)});
      form.hidden = true;
      $('code-step').hidden = false;
      $('code').value = '';
      $('code').focus();
    } catch (err) {
      spent();
      fail(error, err, form);
      if (err.code === 'slot_taken') loadSlots();
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit('hold', $('hold')); });
  $('join-waitlist').addEventListener('click', (ev) => submit('wait', ev.currentTarget));
  for (const r of form.querySelectorAll('input[name=service]')) r.addEventListener('change', loadSlots);
  day.addEventListener('change', showDay);

  $('code-back').addEventListener('click', () => {
    $('code-step').hidden = true;
    form.hidden = false;
    loadSlots();
    $('hold').focus();
  });

  const codeForm = $('code-form');
  codeForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const codeError = $('code-error');
    showError(codeError, null);
    markInvalid(null, codeForm);
    const button = codeForm.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const code = codeForm.code.value.replace(/\s/g, '');
      if (pending.kind === 'wait') {
        await api('/api/v1/waitlist/' + encodeURIComponent(pending.id) + '/confirm', {method: 'POST', body: {code}});
        $('code-step').hidden = true;
        $('waited').hidden = false;
        $('waited-title').focus();
        return;
      }
      const b = await api('/api/v1/holds/' + encodeURIComponent(pending.id) + '/confirm', {method: 'POST', body: {code}});
      const svcLabel = form.querySelector('label[for="' + CSS.escape(pending.service.id) + '"]');
      $('done-service').textContent = svcLabel ? svcLabel.textContent : b.service;
      const dayLabel = [...day.options].find((o) => o.value === dayOf.format(new Date(b.start)));
      $('done-when').textContent = fmt(S.book_when, {Date: dayLabel ? dayLabel.textContent : dayOf.format(new Date(b.start)),
        Start: clock(b.start), End: clock(b.end)});
      const bring = pending.service.closest('.service').querySelector('[data-field=bring]');
      $('done-bring').textContent = bring ? bring.textContent : '';
      for (const n of document.querySelectorAll('[data-field=bring-row]')) n.hidden = !bring;
      $('done-join').href = b.join_url;
      $('done-cancel').href = '/a/' + encodeURIComponent(b.id) + '/cancel#' + encodeURIComponent(b.cancel_token || '');
      $('code-step').hidden = true;
      $('done').hidden = false;
      $('done-title').focus();
    } catch (err) {
      fail(codeError, err, codeForm);
      if (['hold_expired', 'code_attempts_exhausted'].includes(err.code)) codeForm.querySelector('button[type=submit]').hidden = true;
    } finally {
      button.disabled = false;
    }
  });

  loadSlots();
}
