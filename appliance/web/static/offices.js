import {api, num, plural} from './common.js';

// Refresh the figures every 20 s without reloading the page.
async function refresh() {
  try {
    const res = await api('/api/v1/offices');
    for (const o of res.offices) {
      const li = document.querySelector(`[data-office="${CSS.escape(o.id)}"]`);
      if (!li) continue;
      li.querySelector('[data-field=waiting]').textContent = num(o.waiting);
      li.querySelector('[data-field=chairs_free]').textContent = num(o.chairs_free);
      const unstaffed = li.querySelector('[data-field=unstaffed]');
      if (unstaffed) unstaffed.hidden = o.state !== 'unstaffed';
      const estRow = li.querySelector('[data-field=estimate-row]');
      if (estRow) estRow.hidden = o.state !== 'open';
      const est = li.querySelector('[data-field=estimate]');
      if (est) est.textContent = plural('minutes', {Count: Math.ceil(o.estimate_seconds / 60)});
    }
  } catch (_) { /* keep the last figures */ }
}
setInterval(refresh, 20000);
