// media.js — the video consultation in the browser. It speaks ion-sfu's
// JSON-RPC signalling to our SFU (docs/signalling.md): a publisher
// RTCPeerConnection we offer on and a subscriber RTCPeerConnection the SFU
// offers on. No third-party code; strict-CSP safe (no inline styles: all
// looks come from media.css classes). The camera is not touched before
// the user consented.

const TEXT = {
  de: {
    noticeTitle: 'Datenschutzhinweis',
    notice: 'Für die Videoberatung werden Kamera und Mikrofon Ihres Geräts verwendet. Bild und Ton werden verschlüsselt direkt an die Gesprächsteilnehmenden übertragen und nicht aufgezeichnet. Sie können Kamera und Mikrofon jederzeit ausschalten.',
    consent: 'Kamera und Mikrofon einschalten',
    join: 'Teilnehmen',
    camera: 'Kamera', microphone: 'Mikrofon',
    mute: 'Mikrofon aus', unmute: 'Mikrofon an',
    camOff: 'Kamera aus', camOn: 'Kamera an',
    share: 'Bildschirm teilen', stopShare: 'Teilen beenden',
    you: 'Sie', screen: 'Bildschirm', remote: 'Gegenüber',
    connecting: 'Verbindung wird aufgebaut …', connected: 'Verbunden.',
    reconnecting: 'Verbindung unterbrochen, wird wiederhergestellt …',
    closed: 'Die Verbindung wurde beendet.', denied: 'Kein Zugriff auf Kamera oder Mikrofon.',
    quality: 'Verbindungsqualität', good: 'gut', fair: 'mittel', poor: 'schlecht', unknown: 'unbekannt',
  },
  en: {
    noticeTitle: 'Privacy notice',
    notice: 'The video consultation uses your device\'s camera and microphone. Picture and sound are sent encrypted to the participants only and are not recorded. You can turn camera and microphone off at any time.',
    consent: 'Turn on camera and microphone',
    join: 'Join',
    camera: 'Camera', microphone: 'Microphone',
    mute: 'Mute microphone', unmute: 'Unmute microphone',
    camOff: 'Turn camera off', camOn: 'Turn camera on',
    share: 'Share screen', stopShare: 'Stop sharing',
    you: 'You', screen: 'Screen', remote: 'Other party',
    connecting: 'Connecting …', connected: 'Connected.',
    reconnecting: 'Connection lost, reconnecting …',
    closed: 'The connection has ended.', denied: 'No access to camera or microphone.',
    quality: 'Connection quality', good: 'good', fair: 'fair', poor: 'poor', unknown: 'unknown',
  },
};

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
    const other = t === TEXT.de ? TEXT.en : TEXT.de;
    const box = el('section', {class: 'bb-consent', 'aria-labelledby': 'bb-consent-title'},
      el('h2', {id: 'bb-consent-title', text: TEXT.de.noticeTitle + ' / ' + TEXT.en.noticeTitle}),
      el('p', {lang: 'de', text: TEXT.de.notice}),
      el('p', {lang: 'en', text: TEXT.en.notice}));
    const btn = el('button', {type: 'button', class: 'bb-button bb-primary', 'data-action': 'consent', text: t.consent});
    btn.title = other.consent;
    btn.addEventListener('click', () => { box.remove(); resolve(); }, {once: true});
    box.append(btn);
    root.append(box);
    btn.focus();
  });
}

function tile(kind, label, muted) {
  const video = el('video', {'data-tile': kind, autoplay: true, playsinline: true, 'aria-label': label});
  video.muted = muted;
  const fig = el('figure', {class: 'bb-tile bb-tile-' + kind}, video, el('figcaption', {text: label}));
  return {fig, video};
}

export async function startMedia(root, opts) {
  const t = TEXT[opts.lang] || TEXT.de;
  const publishes = opts.role !== 'viewer';
  root.classList.add('bb-media');
  root.replaceChildren();
  const status = el('p', {class: 'bb-status', role: 'status', 'aria-live': 'polite'});
  root.append(status);
  const say = (s) => { status.textContent = s; };

  if (publishes) await consent(root, t);

  const grid = el('div', {class: 'bb-grid'});
  const controls = el('div', {class: 'bb-controls', role: 'toolbar', 'aria-label': t.camera + ' / ' + t.microphone});
  const quality = el('p', {class: 'bb-quality bb-q-unknown', 'data-quality': 'unknown', text: t.quality + ': ' + t.unknown});
  root.append(grid, controls, quality);
  say(t.connecting);

  let camStream = null;
  if (publishes) {
    try {
      camStream = await navigator.mediaDevices.getUserMedia({audio: true, video: {width: {ideal: 1280}, height: {ideal: 720}}});
    } catch (e) {
      say(t.denied);
    }
  }
  if (camStream) {
    const local = tile('local', t.you, true);
    local.video.srcObject = camStream;
    grid.append(local.fig);
  }

  const signal = new Signal(opts.signalURL);
  const config = {iceServers: opts.iceServers || [], bundlePolicy: 'max-bundle'};
  const pub = new Transport(config, 0, signal);
  const sub = new Transport(config, 1, signal);
  window.bbMedia = {publisher: pub.pc, subscriber: sub.pc};

  const senders = {};
  if (camStream) for (const track of camStream.getTracks()) senders[track.kind] = pub.pc.addTrack(track, camStream);
  else pub.pc.createDataChannel('bb');

  // Remote media: one tile per remote stream; screen shares are marked by
  // the SFU with the stream ID prefix "screen-".
  const tiles = new Map();
  sub.pc.addEventListener('track', (ev) => {
    const stream = ev.streams[0];
    if (!stream || tiles.has(stream.id)) return;
    const screen = stream.id.startsWith(SCREEN_PREFIX);
    const tl = tile(screen ? 'screen' : 'remote', screen ? t.screen : t.remote, false);
    tl.fig.dataset.stream = stream.id;
    tl.video.srcObject = stream;
    tiles.set(stream.id, tl);
    grid.append(tl.fig);
    stream.addEventListener('removetrack', () => {
      if (stream.getTracks().length === 0) { tl.fig.remove(); tiles.delete(stream.id); }
    });
  });

  // Subscriber offers are handled strictly one after another.
  let offers = Promise.resolve();
  signal.on('offer', (desc) => {
    offers = offers.then(async () => {
      await sub.setRemote(desc);
      await sub.pc.setLocalDescription(await sub.pc.createAnswer());
      signal.notify('answer', {desc: sub.pc.localDescription});
    }).catch((e) => say(String(e.message || e)));
  });
  signal.on('trickle', (p) => (p.target === 0 ? pub : sub).addCandidate(p.candidate));
  signal.on('activeSpeakers', (p) => {
    for (const [id, tl] of tiles) tl.fig.classList.toggle('bb-speaking', p.streams[0] === id);
  });
  signal.on('close', () => { say(t.closed); root.classList.add('bb-ended'); });

  await signal.opened;
  await pub.pc.setLocalDescription(await pub.pc.createOffer());
  const answer = await signal.call('join', {sid: opts.room, uid: opts.uid, offer: pub.pc.localDescription});
  await pub.setRemote(answer);

  // Renegotiation after the join (screen share, ICE restart) is ours. A
  // need that arises while an offer is out is served by another round,
  // not dropped (an ICE restart must not get lost that way).
  let negotiating = false;
  let negotiateAgain = false;
  pub.pc.addEventListener('negotiationneeded', async () => {
    if (negotiating) { negotiateAgain = true; return; }
    negotiating = true;
    try {
      do {
        negotiateAgain = false;
        await pub.pc.setLocalDescription(await pub.pc.createOffer());
        await pub.setRemote(await signal.call('offer', {desc: pub.pc.localDescription}));
      } while (negotiateAgain);
    } catch (e) { say(String(e.message || e)); } finally { negotiating = false; }
  });

  // ICE recovery. Either connection disconnected for DISCONNECT_GRACE, or
  // failed, restarts ICE on both (ours by a new offer, the SFU's by
  // 'restartIce'), and again every RESTART_RETRY until both are connected.
  // A network change restarts at once. root.dataset.iceRestarts counts the
  // restarts (shown nowhere; for support and tests).
  const healthy = () => [pub.pc, sub.pc].every((pc) => pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed');
  let restartTimer = 0;
  let lastRestart = -Infinity;
  let restarts = 0;
  const later = (fn, ms) => { clearTimeout(restartTimer); restartTimer = setTimeout(() => { restartTimer = 0; fn(); }, ms); };
  const connected = () => { say(t.connected); root.classList.remove('bb-reconnecting'); };
  const restart = () => {
    if (signal.ws.readyState !== WebSocket.OPEN || pub.pc.signalingState === 'closed') return;
    const wait = lastRestart + RESTART_MIN_GAP - performance.now();
    if (wait > 0) { later(restart, wait); return; }
    lastRestart = performance.now();
    root.dataset.iceRestarts = String(++restarts);
    say(t.reconnecting);
    root.classList.add('bb-reconnecting');
    pub.pc.restartIce(); // fires negotiationneeded
    signal.notify('restartIce', {target: 1});
    // the states may not change at all if the path still works
    later(() => { if (healthy()) connected(); else restart(); }, RESTART_RETRY);
  };
  const onIceState = () => {
    if (healthy()) { clearTimeout(restartTimer); restartTimer = 0; connected(); return; }
    const states = [pub.pc.iceConnectionState, sub.pc.iceConnectionState];
    if (states.includes('failed')) restart();
    else if (states.includes('disconnected') && !restartTimer) later(restart, DISCONNECT_GRACE);
  };
  for (const pc of [pub.pc, sub.pc]) pc.addEventListener('iceconnectionstatechange', onIceState);
  window.addEventListener('online', restart);
  if (navigator.connection) navigator.connection.addEventListener('change', restart);

  if (camStream) buildControls(controls, t, camStream, senders, pub, signal, grid);
  const stopStats = watchQuality(quality, t, pub.pc, sub.pc);

  return {
    close() {
      stopStats();
      clearTimeout(restartTimer);
      window.removeEventListener('online', restart);
      if (navigator.connection) navigator.connection.removeEventListener('change', restart);
      signal.close();
      pub.pc.close();
      sub.pc.close();
      if (camStream) for (const tr of camStream.getTracks()) tr.stop();
    },
  };
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

async function buildControls(controls, t, cam, senders, pub, signal, grid) {
  const audio = () => cam.getAudioTracks()[0];
  const video = () => cam.getVideoTracks()[0];
  controls.append(
    toggle('mute', t.mute, t.unmute, (p) => { if (audio()) audio().enabled = !p; }),
    toggle('camera', t.camOff, t.camOn, (p) => { if (video()) video().enabled = !p; }));

  let screenSender = null;
  let screenTile = null;
  const shareBtn = el('button', {type: 'button', class: 'bb-button', 'data-action': 'share', 'aria-pressed': 'false', text: t.share});
  const stopShare = () => {
    if (screenSender) { pub.pc.removeTrack(screenSender); screenSender.track && screenSender.track.stop(); }
    if (screenTile) screenTile.fig.remove();
    screenSender = screenTile = null;
    shareBtn.textContent = t.share;
    shareBtn.setAttribute('aria-pressed', 'false');
  };
  shareBtn.addEventListener('click', async () => {
    if (screenSender) { stopShare(); return; }
    let stream;
    try { stream = await navigator.mediaDevices.getDisplayMedia({video: true, audio: false}); } catch (_) { return; }
    const track = stream.getVideoTracks()[0];
    signal.notify('streamKind', {streamId: stream.id, kind: 'screen'});
    screenSender = pub.pc.addTrack(track, stream);
    track.addEventListener('ended', stopShare);
    screenTile = tile('screen', t.screen + ' (' + t.you + ')', true);
    screenTile.fig.dataset.origin = 'local';
    screenTile.video.srcObject = stream;
    grid.append(screenTile.fig);
    shareBtn.textContent = t.stopShare;
    shareBtn.setAttribute('aria-pressed', 'true');
  });
  if (navigator.mediaDevices.getDisplayMedia) controls.append(shareBtn);

  const swap = async (kind, deviceId) => {
    const constraints = kind === 'audio' ? {audio: {deviceId: {exact: deviceId}}} : {video: {deviceId: {exact: deviceId}, width: {ideal: 1280}, height: {ideal: 720}}};
    const fresh = (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()[0];
    const old = kind === 'audio' ? audio() : video();
    fresh.enabled = old ? old.enabled : true;
    await senders[kind].replaceTrack(fresh);
    if (old) { cam.removeTrack(old); old.stop(); }
    cam.addTrack(fresh);
  };
  controls.append(
    await deviceSelect('videoinput', t.camera, video(), (id) => swap('video', id)),
    await deviceSelect('audioinput', t.microphone, audio(), (id) => swap('audio', id)));
}

// watchQuality grades the connection from RTT and loss every few seconds;
// while a connection is not up (an outage, an ICE restart) it is poor,
// whatever the last round-trip time was.
function watchQuality(out, t, pub, sub) {
  let last = {lost: 0, recv: 0};
  const down = (pc) => pc.iceConnectionState === 'disconnected' || pc.iceConnectionState === 'failed';
  const timer = setInterval(async () => {
    let rtt = null, lost = 0, recv = 0;
    for (const pc of [pub, sub]) {
      const stats = await pc.getStats().catch(() => null);
      if (!stats) continue;
      stats.forEach((r) => {
        if (r.type === 'candidate-pair' && r.nominated && r.currentRoundTripTime !== undefined) rtt = Math.max(rtt || 0, r.currentRoundTripTime);
        if (r.type === 'inbound-rtp') { lost += r.packetsLost || 0; recv += r.packetsReceived || 0; }
      });
    }
    const dl = lost - last.lost, dr = recv - last.recv;
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
