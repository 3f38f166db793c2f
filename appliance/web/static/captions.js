import {api, el, S} from './common.js';

// Live captions. Every member follows the room's captions by long poll
// (GET …/captions?after=SEQ answers at the next change); the finished
// lines go into a polite live region, so screen readers announce each line
// once, while the line being typed is shown beside it, not announced. The
// written interpreter types into the caption field: the line is sent while
// typing (not final) and with Enter (final), and a new line begins.

const SEND_EVERY = 400; // ms between updates of the line being typed

export function followCaptions(room, auth, box) {
  const lines = box.querySelector('#caption-lines');
  const current = box.querySelector('#caption-current');
  let stopped = false;
  let seq = 0;
  const shown = new Set(); // final line IDs already in the live region
  const render = (c) => {
    if (c.lines.length) box.hidden = false;
    let typing = '';
    for (const l of c.lines) {
      if (!l.final) { typing = l.text; continue; }
      if (shown.has(l.id) || !l.text) continue;
      shown.add(l.id);
      lines.append(el('li', {dir: 'auto', 'data-caption': String(l.id), text: l.text}));
      while (lines.children.length > 3) lines.firstElementChild.remove();
    }
    current.textContent = typing;
  };
  (async () => {
    let delay = 1000;
    while (!stopped) {
      try {
        const c = await api('/api/v1/rooms/' + encodeURIComponent(room) + '/captions?after=' + seq, auth);
        seq = c.seq;
        render(c);
        delay = 1000;
      } catch (e) {
        if (e && e.status >= 400 && e.status < 500) return;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 15000);
      }
    }
  })();
  return {stop() { stopped = true; }};
}

export function writeCaptions(room, auth, form) {
  const input = form.querySelector('#caption-text');
  form.hidden = false;
  let id = Date.now(); // increases across reloads of the page
  let timer = 0;
  const send = (final) => {
    clearTimeout(timer);
    timer = 0;
    const text = input.value.trim();
    if (!text && !final) return;
    api('/api/v1/rooms/' + encodeURIComponent(room) + '/captions', {method: 'POST', body: {id, text, final}, ...auth}).catch(() => {});
  };
  input.addEventListener('input', () => { if (!timer) timer = setTimeout(() => send(false), SEND_EVERY); });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!input.value.trim()) return;
    send(true);
    input.value = '';
    id++;
  });
  input.setAttribute('aria-describedby', 'caption-hint');
  if (S.lang) input.lang = S.lang;
}
