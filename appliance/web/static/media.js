// media.js — the video consultation in the browser. It speaks ion-sfu's
// JSON-RPC signalling to our SFU (docs/signalling.md): a publisher
// RTCPeerConnection we offer on and a subscriber RTCPeerConnection the SFU
// offers on. No third-party code; strict-CSP safe (no inline styles: all
// looks come from media.css classes). The camera is not touched before
// the user consented.

// text returns the page's strings for the video (the catalogue's
// js.media.* texts in the page's language, which the server renders into
// the page's JSON data block; see common.js), keyed without "media.".
function text() {
  const t = {};
  let all = {};
  try { all = JSON.parse(document.getElementById('i18n').textContent); } catch (_) { /* no strings */ }
  for (const [k, v] of Object.entries(all)) if (k.startsWith('media.')) t[k.slice(6)] = v;
  return t;
}

// Timers of the client (ms). Stats are UI-rate, not media-rate.
const STATS_EVERY = 2000;
const DISCONNECT_GRACE = 3000;
// An ICE restart that has not brought both connections back within
// RESTART_RETRY is tried again, for as long as the outage lasts: the
// browser may stay 'disconnected' without ever reporting 'failed', and the
// SFU's ICE agent gives up 30 s after an outage's first restart (dropping
// the candidates of later restarts with it), after which only a new
// restart from us brings our publisher back. With a single restart a call
// stayed dead after a network outage of more than about 40 s.
// RESTART_MIN_GAP keeps a quickly failing network (no interface at all)
// from turning that into a loop.
const RESTART_RETRY = 10000;
const RESTART_MIN_GAP = 2000;
// A lost signalling connection is rejoined after RENEW_FIRST, backing off
// to RENEW_MAX between attempts.
const RENEW_FIRST = 1000;
const RENEW_MAX = 15000;
const SCREEN_PREFIX = 'screen-';

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children);
  return e;
}

// Signal is the JSON-RPC 2.0 connection (ion-sfu method names).
class Signal {
  constructor(url) {
    this.ws = new WebSocket(url);
    this.next = 1;
    this.pending = new Map();
    this.handlers = {};
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener('open', resolve, {once: true});
      this.ws.addEventListener('error', reject, {once: true});
    });
    this.ws.addEventListener('message', (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch (_) { return; }
      if (m.method) { (this.handlers[m.method] || (() => {}))(m.params); return; }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error.message)); else p.resolve(m.result);
    });
    this.ws.addEventListener('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('closed'));
      this.pending.clear();
      (this.handlers.close || (() => {}))();
    });
  }
  on(method, fn) { this.handlers[method] = fn; }
  call(method, params) {
    const id = String(this.next++);
    return new Promise((resolve, reject) => {
      this.pending.set(id, {resolve, reject});
      this.ws.send(JSON.stringify({jsonrpc: '2.0', id, method, params}));
    });
  }
  notify(method, params) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({jsonrpc: '2.0', method, params}));
  }
  close() { this.ws.close(); }
}

// Transport wraps one RTCPeerConnection with a queue for candidates that
// arrive before the remote description.
class Transport {
  constructor(config, target, signal) {
    this.pc = new RTCPeerConnection(config);
    this.queue = [];
    this.pc.addEventListener('icecandidate', (ev) => {
      if (ev.candidate) signal.notify('trickle', {target, candidate: ev.candidate.toJSON()});
    });
  }
  async setRemote(desc) {
    await this.pc.setRemoteDescription(desc);
    for (const c of this.queue.splice(0)) await this.pc.addIceCandidate(c).catch(() => {});
  }
  async addCandidate(c) {
    if (this.pc.remoteDescription) await this.pc.addIceCandidate(c).catch(() => {});
    else this.queue.push(c);
  }
}

function consent(root, t) {
  return new Promise((resolve) => {
    const box = el('section', {class: 'bb-consent', 'aria-labelledby': 'bb-consent-title'},
      el('h2', {id: 'bb-consent-title', text: t.noticeTitle}),
      el('p', {text: t.notice}),
      el('p', {}, el('a', {href: '/datenschutz', target: '_blank', rel: 'noopener', 'data-link': 'privacy', text: t.privacy})));
    const btn = el('button', {type: 'button', class: 'bb-button bb-primary', 'data-action': 'consent', text: t.consent});
    btn.addEventListener('click', () => { box.remove(); resolve(); }, {once: true});
    box.append(btn);
    root.append(box);
    // take the focus only if it is free: someone typing in the chat keeps it
    const a = document.activeElement;
    if (!a || a === document.body || !a.matches('input, textarea, select, [contenteditable]')) btn.focus();
  });
}

function tile(kind, label, muted) {
  const video = el('video', {'data-tile': kind, autoplay: true, playsinline: true, 'aria-label': label});
  video.muted = muted;
  const fig = el('figure', {class: 'bb-tile bb-tile-' + kind}, video, el('figcaption', {text: label}));
  return {fig, video};
}

// startMedia runs the consultation's video in root. opts.renew, if given,
// fetches a fresh admission grant ({signal_url, token, ice_servers}) so
// that a lost signalling connection (a network change, an appliance
// restart) is rejoined by itself for as long as the consultation goes on;
// an answer 4xx (the consultation ended, access withdrawn) ends it, and
// opts.onEnded is called.
export async function startMedia(root, opts) {
  const t = text();
  // what the member's role may send (the SFU refuses anything else)
  const may = opts.rights || {camera: true, microphone: true, screen: true};
  const publishes = opts.role !== 'viewer' && (may.camera || may.microphone || may.screen);
  root.classList.add('bb-media');
  root.replaceChildren();
  const status = el('p', {class: 'bb-status', role: 'status', 'aria-live': 'polite'});
  root.append(status);
  // a status line is announced on every change: write only new text
  const say = (s) => { if (status.textContent !== s) status.textContent = s; };

  if (publishes) await consent(root, t);

  const grid = el('div', {class: 'bb-grid'});
  const controls = el('div', {class: 'bb-controls', role: 'toolbar', 'aria-label': t.camera + ' / ' + t.microphone});
  const quality = el('p', {class: 'bb-quality bb-q-unknown', 'data-quality': 'unknown', text: t.quality + ': ' + t.unknown});
  root.append(grid, controls, quality);
  say(t.connecting);

  let camStream = null;
  if (publishes && (may.camera || may.microphone)) {
    try {
      camStream = await navigator.mediaDevices.getUserMedia({audio: !!may.microphone, video: may.camera ? {width: {ideal: 1280}, height: {ideal: 720}} : false});
    } catch (e) {
      say(t.denied);
    }
  }
  if (camStream) {
    const local = tile('local', t.you, true);
    local.video.srcObject = camStream;
    grid.append(local.fig);
  }

  // stageStream: a viewer's microphone (and camera) while a moderator has
  // it on stage (an event); see stage() below.
  let stageStream = null;
  let stageTile = null;

  // session is the current signalling connection with its two transports;
  // it is replaced when the signalling connection is lost and rejoined.
  let session = null;
  let stopped = false;
  const current = () => session;
  // Remote media: one tile per remote stream; screen shares are marked by
  // the SFU with the stream ID prefix "screen-".
  const tiles = new Map();
  const ctl = camStream ? await buildControls(controls, t, camStream, current, grid, may, opts.role === 'clerk') : null;
  const stopStats = watchQuality(quality, t, current);

  // ICE recovery. Either connection disconnected for DISCONNECT_GRACE, or
  // failed, restarts ICE on both (ours by a new offer, the SFU's by
  // 'restartIce'), and again every RESTART_RETRY until both are connected.
  // A network change restarts at once. root.dataset.iceRestarts counts the
  // restarts (shown nowhere; for support and tests).
  const healthy = (s) => [s.pub.pc, s.sub.pc].every((pc) => pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed');
  let restartTimer = 0;
  let lastRestart = -Infinity;
  let restarts = 0;
  const later = (fn, ms) => { clearTimeout(restartTimer); restartTimer = setTimeout(() => { restartTimer = 0; fn(); }, ms); };
  const connected = () => { say(t.connected); root.classList.remove('bb-reconnecting'); };
  const restart = () => {
    const s = session;
    if (!s || s.signal.ws.readyState !== WebSocket.OPEN || s.pub.pc.signalingState === 'closed') return;
    const wait = lastRestart + RESTART_MIN_GAP - performance.now();
    if (wait > 0) { later(restart, wait); return; }
    lastRestart = performance.now();
    root.dataset.iceRestarts = String(++restarts);
    say(t.reconnecting);
    root.classList.add('bb-reconnecting');
    s.pub.pc.restartIce(); // fires negotiationneeded
    s.signal.notify('restartIce', {target: 1});
    // the states may not change at all if the path still works
    later(() => { if (session === s && healthy(s)) connected(); else restart(); }, RESTART_RETRY);
  };
  window.addEventListener('online', restart);
  if (navigator.connection) navigator.connection.addEventListener('change', restart);

  // open joins the room with grant and makes the result the session.
  const open = async (grant) => {
    const signal = new Signal(grant.signal_url);
    const config = {iceServers: grant.ice_servers || [], bundlePolicy: 'max-bundle'};
    const s = {signal, pub: new Transport(config, 0, signal), sub: new Transport(config, 1, signal), senders: {}};
    session = s;
    window.bbMedia = {publisher: s.pub.pc, subscriber: s.sub.pc};
    if (camStream) for (const track of camStream.getTracks()) s.senders[track.kind] = s.pub.pc.addTrack(ctl ? ctl.outgoing(track) : track, camStream);
    else s.pub.pc.createDataChannel('bb');
    if (stageStream) for (const track of stageStream.getTracks()) s.pub.pc.addTrack(track, stageStream);

    s.sub.pc.addEventListener('track', (ev) => {
      const stream = ev.streams[0];
      if (!stream || tiles.has(stream.id)) return;
      const screen = stream.id.startsWith(SCREEN_PREFIX);
      const tl = tile(screen ? 'screen' : 'remote', screen ? t.screen : t.remote, false);
      tl.fig.dataset.stream = stream.id;
      if (!screen) tl.fig.append(pinButton(tl.fig, grid, t));
      tl.video.srcObject = stream;
      tiles.set(stream.id, tl);
      grid.append(tl.fig);
      stream.addEventListener('removetrack', () => {
        if (stream.getTracks().length === 0 && tiles.get(stream.id) === tl) {
          if (tl.fig.classList.contains('bb-pinned')) grid.classList.remove('bb-has-pinned');
          tl.fig.remove();
          tiles.delete(stream.id);
        }
      });
    });

    // Subscriber offers are handled strictly one after another.
    let offers = Promise.resolve();
    signal.on('offer', (desc) => {
      offers = offers.then(async () => {
        await s.sub.setRemote(desc);
        await s.sub.pc.setLocalDescription(await s.sub.pc.createAnswer());
        signal.notify('answer', {desc: s.sub.pc.localDescription});
      }).catch((e) => say(String(e.message || e)));
    });
    signal.on('trickle', (p) => (p.target === 0 ? s.pub : s.sub).addCandidate(p.candidate));
    signal.on('activeSpeakers', (p) => {
      for (const [id, tl] of tiles) tl.fig.classList.toggle('bb-speaking', p.streams[0] === id);
    });
    signal.on('close', () => { if (session === s && !stopped) lost(s); });

    await signal.opened;
    await s.pub.pc.setLocalDescription(await s.pub.pc.createOffer());
    const answer = await signal.call('join', {sid: opts.room, uid: opts.uid, offer: s.pub.pc.localDescription});
    await s.pub.setRemote(answer);

    // Renegotiation after the join (screen share, ICE restart) is ours. A
    // need that arises while an offer is out is served by another round,
    // not dropped (an ICE restart must not get lost that way).
    let negotiating = false;
    let negotiateAgain = false;
    s.pub.pc.addEventListener('negotiationneeded', async () => {
      if (negotiating) { negotiateAgain = true; return; }
      negotiating = true;
      try {
        do {
          negotiateAgain = false;
          await s.pub.pc.setLocalDescription(await s.pub.pc.createOffer());
          await s.pub.setRemote(await signal.call('offer', {desc: s.pub.pc.localDescription}));
        } while (negotiateAgain);
      } catch (e) { if (session === s) say(String(e.message || e)); } finally { negotiating = false; }
    });
    const onIceState = () => {
      if (session !== s) return;
      if (healthy(s)) { clearTimeout(restartTimer); restartTimer = 0; connected(); return; }
      const states = [s.pub.pc.iceConnectionState, s.sub.pc.iceConnectionState];
      if (states.includes('failed')) restart();
      else if (states.includes('disconnected') && !restartTimer) later(restart, DISCONNECT_GRACE);
    };
    for (const pc of [s.pub.pc, s.sub.pc]) pc.addEventListener('iceconnectionstatechange', onIceState);
    onIceState(); // the subscriber may have connected while we joined
    if (ctl) ctl.joined(s);
  };

  const teardown = (s) => {
    s.signal.close();
    s.pub.pc.close();
    s.sub.pc.close();
    for (const tl of tiles.values()) tl.fig.remove();
    tiles.clear();
    grid.classList.remove('bb-has-pinned');
  };
  // stop ends the call for good and says so in the media area.
  const stop = () => {
    stopped = true;
    clearTimeout(restartTimer);
    say(t.closed);
    root.classList.remove('bb-reconnecting');
    root.classList.add('bb-ended');
  };
  const end = () => {
    stop();
    if (opts.onEnded) opts.onEnded();
  };

  // lost: the signalling connection of s is gone, but the consultation may
  // go on. Rejoin with a fresh grant, backing off up to RENEW_MAX; stop on
  // a 4xx answer (the consultation ended or access was withdrawn).
  // root.dataset.rejoins counts successful rejoins (support, tests).
  let rejoins = 0;
  const lost = async (s) => {
    teardown(s);
    session = null;
    if (!opts.renew) { end(); return; }
    say(t.reconnecting);
    root.classList.add('bb-reconnecting');
    for (let delay = RENEW_FIRST; !stopped; delay = Math.min(delay * 2, RENEW_MAX)) {
      await new Promise((r) => setTimeout(r, delay));
      if (stopped) return;
      let grant;
      try { grant = await opts.renew(); } catch (e) {
        if (e && e.status >= 400 && e.status < 500) break;
        continue; // the appliance is restarting or unreachable: try again
      }
      try {
        await open(grant);
        root.dataset.rejoins = String(++rejoins);
        return;
      } catch (_) {
        if (session) { const failed = session; session = null; teardown(failed); }
      }
    }
    end();
  };

  try {
    await open({signal_url: opts.signalURL, token: opts.token, ice_servers: opts.iceServers});
  } catch (e) {
    if (session) { const failed = session; session = null; lost(failed); }
  }

  return {
    // stage lets a viewer whom a moderator brought on stage publish its
    // microphone (and camera, if allowed) on the running connection, or,
    // with both false, stops publishing. The SFU enforces the same.
    async stage({audio, video}) {
      if (stageStream) {
        const tracks = stageStream.getTracks();
        if (session && session.pub.pc.signalingState !== 'closed') {
          for (const snd of session.pub.pc.getSenders()) if (snd.track && tracks.includes(snd.track)) session.pub.pc.removeTrack(snd);
        }
        for (const tr of tracks) tr.stop();
        stageStream = null;
        if (stageTile) { stageTile.fig.remove(); stageTile = null; }
      }
      if (!audio && !video) return;
      stageStream = await navigator.mediaDevices.getUserMedia({audio: !!audio, video: !!video});
      if (video) {
        stageTile = tile('local', t.you, true);
        stageTile.video.srcObject = stageStream;
        grid.append(stageTile.fig);
      }
      if (session) for (const track of stageStream.getTracks()) session.pub.pc.addTrack(track, stageStream);
    },
    // close ends the call from the page (the consultation ended, the
    // citizen hung up): everything stops and the media area says so.
    close() {
      stop();
      stopStats();
      window.removeEventListener('online', restart);
      if (navigator.connection) navigator.connection.removeEventListener('change', restart);
      if (session) teardown(session);
      session = null;
      if (camStream) for (const tr of camStream.getTracks()) tr.stop();
      if (stageStream) for (const tr of stageStream.getTracks()) tr.stop();
    },
  };
}

// pinButton pins a remote video large beside the others (a sign-language
// interpreter, say); one tile is pinned at a time, pressing again unpins.
function pinButton(fig, grid, t) {
  const b = el('button', {type: 'button', class: 'bb-button bb-pin', 'data-action': 'pin', 'aria-pressed': 'false', text: t.pin});
  b.addEventListener('click', () => {
    const pin = !fig.classList.contains('bb-pinned');
    for (const other of grid.querySelectorAll('.bb-pinned')) {
      other.classList.remove('bb-pinned');
      const ob = other.querySelector('.bb-pin');
      if (ob) { ob.setAttribute('aria-pressed', 'false'); ob.textContent = t.pin; }
    }
    fig.classList.toggle('bb-pinned', pin);
    grid.classList.toggle('bb-has-pinned', pin);
    b.setAttribute('aria-pressed', String(pin));
    b.textContent = pin ? t.unpin : t.pin;
  });
  return b;
}

function toggle(label, on, off, fn) {
  const b = el('button', {type: 'button', class: 'bb-button', 'aria-pressed': 'false', text: on});
  b.addEventListener('click', () => {
    const pressed = b.getAttribute('aria-pressed') !== 'true';
    b.setAttribute('aria-pressed', String(pressed));
    b.textContent = pressed ? off : on;
    fn(pressed);
  });
  b.dataset.action = label;
  return b;
}

async function deviceSelect(kind, label, current, onPick) {
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === kind);
  const id = 'bb-dev-' + kind;
  const sel = el('select', {id, class: 'bb-select'});
  devices.forEach((d, i) => {
    const o = el('option', {value: d.deviceId, text: d.label || (label + ' ' + (i + 1))});
    if (current && d.deviceId === current.getSettings().deviceId) o.selected = true;
    sel.append(o);
  });
  sel.addEventListener('change', () => onPick(sel.value));
  return el('label', {class: 'bb-field', for: id}, el('span', {text: label}), sel);
}

// buildControls adds mute, camera, screen share and device choice. They
// act on the current session (session()), which changes when the
// signalling connection is rejoined; joined(s) re-adds an active screen
// share to a new session.
async function buildControls(controls, t, cam, session, grid, may, staff) {
  const audio = () => cam.getAudioTracks()[0];
  const video = () => cam.getVideoTracks()[0];
  if (audio()) controls.append(toggle('mute', t.mute, t.unmute, (p) => { if (audio()) audio().enabled = !p; }));
  if (video()) controls.append(toggle('camera', t.camOff, t.camOn, (p) => { if (video()) video().enabled = !p; }));

  let screen = null; // {stream, track, sender, session, tile}
  const shareBtn = el('button', {type: 'button', class: 'bb-button', 'data-action': 'share', 'aria-pressed': 'false', text: t.share});
  const publishScreen = (s) => {
    s.signal.notify('streamKind', {streamId: screen.stream.id, kind: 'screen'});
    screen.sender = s.pub.pc.addTrack(screen.track, screen.stream);
    screen.session = s;
  };
  const stopShare = () => {
    if (!screen) return;
    if (screen.session === session() && screen.session.pub.pc.signalingState !== 'closed') screen.session.pub.pc.removeTrack(screen.sender);
    screen.track.stop();
    screen.tile.fig.remove();
    screen = null;
    shareBtn.textContent = t.share;
    shareBtn.setAttribute('aria-pressed', 'false');
  };
  shareBtn.addEventListener('click', async () => {
    if (screen) { stopShare(); return; }
    const s = session();
    if (!s) return;
    let stream;
    try { stream = await navigator.mediaDevices.getDisplayMedia({video: true, audio: false}); } catch (_) { return; }
    const track = stream.getVideoTracks()[0];
    screen = {stream, track, tile: tile('screen', t.screen + ' (' + t.you + ')', true)};
    publishScreen(s);
    track.addEventListener('ended', stopShare);
    screen.tile.fig.dataset.origin = 'local';
    screen.tile.video.srcObject = stream;
    grid.append(screen.tile.fig);
    shareBtn.textContent = t.stopShare;
    shareBtn.setAttribute('aria-pressed', 'true');
  });
  if (navigator.mediaDevices.getDisplayMedia && may.screen) controls.append(shareBtn);

  const swap = async (kind, deviceId) => {
    const constraints = kind === 'audio' ? {audio: {deviceId: {exact: deviceId}}} : {video: {deviceId: {exact: deviceId}, width: {ideal: 1280}, height: {ideal: 720}}};
    const fresh = (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()[0];
    const old = kind === 'audio' ? audio() : video();
    fresh.enabled = old ? old.enabled : true;
    const s = session();
    if (s && s.senders[kind]) await s.senders[kind].replaceTrack(kind === 'video' && bg ? bg.input(fresh) : fresh);
    if (old) { cam.removeTrack(old); old.stop(); }
    cam.addTrack(fresh);
  };
  if (video()) controls.append(await deviceSelect('videoinput', t.camera, video(), (id) => swap('video', id)));
  if (audio()) controls.append(await deviceSelect('audioinput', t.microphone, audio(), (id) => swap('audio', id)));
  // staff only: background blur or picture (background.js, loaded here;
  // its model only when the clerk turns it on). send puts a track on the
  // call and in the clerk's own tile.
  const bg = staff ? await import('./background.js').then((m) => m.backgroundControl({camera: video, send: async (track) => {
    const s = session();
    if (s && s.senders.video) await s.senders.video.replaceTrack(track);
    const own = grid.querySelector('video[data-tile="local"]');
    if (own) own.srcObject = new MediaStream([track]);
  }}), () => null) : null;
  if (bg) controls.append(bg.element);
  return {
    joined(s) { if (screen && screen.session !== s) publishScreen(s); },
    outgoing(track) { return track.kind === 'video' && bg ? bg.outgoing(track) : track; },
  };
}

// watchQuality grades the connection from RTT and loss every few seconds;
// while a connection is not up (an outage, an ICE restart) it is poor,
// whatever the last round-trip time was.
function watchQuality(out, t, session) {
  let last = {lost: 0, recv: 0};
  const down = (pc) => pc.iceConnectionState === 'disconnected' || pc.iceConnectionState === 'failed';
  const timer = setInterval(async () => {
    const s = session();
    if (!s) { out.dataset.quality = 'poor'; out.className = 'bb-quality bb-q-poor'; out.textContent = t.quality + ': ' + t.poor; return; }
    const pub = s.pub.pc, sub = s.sub.pc;
    let rtt = null, lost = 0, recv = 0;
    for (const pc of [pub, sub]) {
      const stats = await pc.getStats().catch(() => null);
      if (!stats) continue;
      stats.forEach((r) => {
        if (r.type === 'candidate-pair' && r.nominated && r.currentRoundTripTime !== undefined) rtt = Math.max(rtt || 0, r.currentRoundTripTime);
        if (r.type === 'inbound-rtp') { lost += r.packetsLost || 0; recv += r.packetsReceived || 0; }
      });
    }
    // counters start again at 0 with a rejoined session
    const dl = Math.max(0, lost - last.lost), dr = Math.max(0, recv - last.recv);
    last = {lost, recv};
    const loss = dr + dl > 0 ? dl / (dr + dl) : 0;
    let grade = 'unknown';
    if (down(pub) || down(sub) || out.closest('.bb-reconnecting')) grade = 'poor';
    else if (rtt !== null) grade = rtt < 0.15 && loss < 0.02 ? 'good' : rtt < 0.4 && loss < 0.08 ? 'fair' : 'poor';
    out.dataset.quality = grade;
    out.className = 'bb-quality bb-q-' + grade;
    out.textContent = t.quality + ': ' + t[grade];
  }, STATS_EVERY);
  return () => clearInterval(timer);
}
