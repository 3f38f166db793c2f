// Shared helpers for the buergerbuero pages. Everything a user typed is
// inserted with textContent, never as HTML.
//
// S holds the page's strings: the catalogue's js.* texts in the page's
// language, rendered by the server into a JSON data block (see
// docs/i18n.md). A text may have {{.Name}} placeholders (fmt fills them)
// and plural forms under key#one, key#few … (plural picks them).
export const S = JSON.parse(document.getElementById('i18n').textContent);
export const lang = S.lang;

// num writes a whole number the page language's way: its grouping, and
// its digits as the server writes them (S.digits; browsers differ on the
// default digits of Arabic).
const digits = [...(S.digits || '0123456789')];
export function num(n) {
  let s;
  try { s = new Intl.NumberFormat(lang, {numberingSystem: 'latn'}).format(n); } catch (_) { s = String(n); }
  return s.replace(/[0-9]/g, (d) => digits[d]);
}

// fmt fills the {{.Name}} placeholders of s from args; numbers are written
// with num.
export function fmt(s, args = {}) {
  return s.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (m, k) => {
    const v = args[k];
    if (v === undefined) return m;
    return typeof v === 'number' ? num(v) : String(v);
  });
}

// languageName names a conversation language for the clerk: in the page's
// language and, if different, in itself ("Turkish (Türkçe)").
export function languageName(code) {
  try {
    const ours = new Intl.DisplayNames([lang], {type: 'language'}).of(code);
    const own = new Intl.DisplayNames([code], {type: 'language'}).of(code);
    return ours === own ? ours : ours + ' (' + own + ')';
  } catch (_) { return code; }
}

let rules;
// plural renders the text key in the CLDR plural form for args.Count.
export function plural(key, args) {
  if (!rules) {
    try { rules = new Intl.PluralRules(lang); } catch (_) { rules = new Intl.PluralRules('de'); }
  }
  const n = args.Count;
  const exact = n === 0 ? S[key + '#zero'] : undefined;
  return fmt(exact || S[key + '#' + rules.select(n)] || S[key], args);
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) e.append(c);
  return e;
}

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    // message is in the language api() asked for (Accept-Language)
    super(err.message || ('HTTP ' + status));
    this.status = status;
    this.code = err.code;
    this.field = err.field;
  }
}

export async function api(path, {method = 'GET', body, token, ticket, csrf, form} = {}) {
  const headers = {'Accept': 'application/json', 'Accept-Language': lang};
  if (token) headers['Authorization'] = 'Bearer ' + token;
  if (ticket) headers['X-Ticket'] = ticket;
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  const res = await fetch(path, {method, headers, body: payload, credentials: 'same-origin'});
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export function showError(node, err) {
  node.textContent = err ? (err.message || String(err)) : '';
  node.hidden = !err;
}

// live opens a WebSocket that reconnects with backoff until stop() is
// called or onmessage returns 'stop'. Close code 1012 (server restart)
// reconnects at once. url() returns the path with an optional query.
// With auth ({token, ticket}) each connection first gets a single-use
// stream key over an authorised request, so the token never appears in a
// URL; a refusal (401, 403, 404, 410) is fatal (onfatal, or stop).
export function live(url, {auth, onmessage, onstatus, onfatal}) {
  let ws, stopped = false, delay = 500, timer;
  const retry = (code) => {
    if (stopped) return;
    onstatus && onstatus(false);
    const wait = code === 1012 ? 200 : delay;
    delay = Math.min(delay * 2, 10000);
    timer = setTimeout(open, wait + Math.random() * 300);
  };
  const open = async () => {
    let target = url();
    if (auth && auth.token) {
      const path = target.split('?')[0];
      try {
        const k = await api('/api/v1/stream-keys', {method: 'POST', body: {stream: path}, ...auth});
        target += (target.includes('?') ? '&' : '?') + 'stream_key=' + encodeURIComponent(k.key);
      } catch (err) {
        if ([401, 403, 404, 410].includes(err.status)) {
          if (onfatal) onfatal(); else { onstatus && onstatus(false); stop(); }
          return;
        }
        retry(0);
        return;
      }
      if (stopped) return;
    }
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(proto + '//' + location.host + target);
    ws.onopen = () => { delay = 500; onstatus && onstatus(true); };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (_) { return; }
      if (onmessage(msg) === 'stop') stop();
    };
    ws.onclose = (ev) => {
      if (stopped) return;
      if (ev.code === 1008 && onfatal) { onstatus && onstatus(false); onfatal(); return; }
      retry(ev.code);
    };
  };
  const stop = () => { stopped = true; clearTimeout(timer); if (ws) ws.close(); };
  open();
  return {stop};
}

export function ticketSession() {
  try { return JSON.parse(sessionStorage.getItem('bb_ticket') || 'null'); } catch (_) { return null; }
}

export function saveTicketSession(t) { sessionStorage.setItem('bb_ticket', JSON.stringify(t)); }
export function clearTicketSession() { sessionStorage.removeItem('bb_ticket'); }
