// background.js — background blur or a background picture for a clerk's
// camera (staff only; media.js loads it for the clerk). A segmentation
// model (MediaPipe Selfie Segmentation, vendored under
// vendor/selfie_segmentation/, loaded from our origin only when the clerk
// turns an effect on) separates the person from the room; a canvas draws
// the person over the blurred frame or the picture (/staff-background);
// the canvas's captured track is what the others receive. The choice is
// remembered in localStorage. Without WebAssembly or WebGL the effect
// says it is unavailable and the plain camera stays.

import {S, el} from './common.js';

const VENDOR = '/static/vendor/selfie_segmentation/';
const PICTURE = '/staff-background';
const STORE = 'bb_background';
const MODES = ['off', 'blur', 'image'];
// Frames per second the effect computes: enough for a talking head, and
// half a camera's rate, to spare the clerk's CPU.
const FPS = 15;
const BLUR = 'blur(16px)';
const PLACEHOLDER = '#8a8f98'; // what is sent until the first frame is drawn

let library = null; // promise of the SelfieSegmentation class

// loadLibrary adds the vendored loader (a classic script defining
// window.SelfieSegmentation) once.
function loadLibrary() {
  if (!library) {
    library = new Promise((resolve, reject) => {
      if (window.SelfieSegmentation) { resolve(window.SelfieSegmentation); return; }
      const s = el('script', {src: VENDOR + 'selfie_segmentation.js'});
      s.addEventListener('load', () => (window.SelfieSegmentation ? resolve(window.SelfieSegmentation) : reject(new Error('loader'))));
      s.addEventListener('error', () => reject(new Error('loader')));
      document.head.append(s);
    });
    library.catch(() => { library = null; });
  }
  return library;
}

// Effect turns the camera track into the processed one. Its output track
// exists at once (a plain placeholder until the model is ready), so that
// nothing of the room is sent while it loads.
class Effect {
  constructor(raw, mode) {
    this.raw = raw;
    this.mode = mode;
    this.stopped = false;
    const s = raw.getSettings();
    this.canvas = el('canvas', {width: s.width || 640, height: s.height || 480});
    this.ctx = this.canvas.getContext('2d');
    this.ctx.fillStyle = PLACEHOLDER;
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.out = this.canvas.captureStream(FPS).getVideoTracks()[0];
    this.video = el('video', {playsinline: true});
    this.video.muted = true;
    this.picture = new Image();
    this.ready = this.start();
  }

  async start() {
    if (!document.createElement('canvas').getContext('webgl2')) throw new Error('webgl2');
    const Segmentation = await loadLibrary();
    this.seg = new Segmentation({locateFile: (f) => VENDOR + f});
    this.seg.setOptions({modelSelection: 1}); // the landscape model, the one vendored
    this.seg.onResults((r) => this.draw(r));
    await this.setInput(this.raw);
    await this.seg.initialize();
    if (this.stopped) { this.seg.close().catch(() => {}); return; }
    this.tick();
  }

  async setInput(raw) {
    this.raw = raw;
    this.video.srcObject = new MediaStream([raw]);
    await this.video.play();
  }

  // tick segments one frame and schedules the next. A timer, not
  // requestAnimationFrame: the call goes on while the tab is in the
  // background. The camera switched off (or stopped) is mirrored.
  async tick() {
    if (this.stopped) return;
    if (this.raw.readyState === 'ended') { this.stop(); return; }
    const start = performance.now();
    this.out.enabled = this.raw.enabled;
    if (this.raw.enabled && this.video.readyState >= 2) {
      try { await this.seg.send({image: this.video}); } catch (_) { /* a lost frame; the next one tries again */ }
    }
    this.timer = setTimeout(() => this.tick(), Math.max(0, 1000 / FPS - (performance.now() - start)));
  }

  draw(r) {
    if (this.stopped) return;
    const {ctx} = this;
    const w = this.canvas.width, h = this.canvas.height;
    ctx.save();
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(r.segmentationMask, 0, 0, w, h); // alpha: how surely a pixel is the person
    ctx.globalCompositeOperation = 'source-in';
    ctx.drawImage(r.image, 0, 0, w, h);
    ctx.globalCompositeOperation = 'destination-over';
    const p = this.picture;
    if (this.mode === 'image' && p.complete && p.naturalWidth) {
      const scale = Math.max(w / p.naturalWidth, h / p.naturalHeight); // cover, centred
      const pw = p.naturalWidth * scale, ph = p.naturalHeight * scale;
      ctx.drawImage(p, (w - pw) / 2, (h - ph) / 2, pw, ph);
    } else {
      ctx.filter = BLUR;
      ctx.drawImage(r.image, 0, 0, w, h);
    }
    ctx.restore();
  }

  setMode(mode) {
    this.mode = mode;
    if (mode === 'image' && !this.picture.src) this.picture.src = PICTURE;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.out.stop();
    this.video.srcObject = null;
    if (this.seg) this.seg.close().catch(() => {});
  }
}

// backgroundControl builds the clerk's background choice. camera() is the
// raw camera track now; send(track) puts a track on the call (the sender
// and the clerk's own picture). It returns the control's element,
// outgoing(raw): the track to send for the camera track raw (the effect's
// while one is on), and input(raw): the same after a camera change.
export function backgroundControl({camera, send}) {
  const id = 'bb-background';
  const select = el('select', {id, class: 'bb-select', 'data-control': 'background'});
  const names = {off: S['background.off'], blur: S['background.blur'], image: S['background.image']};
  for (const m of MODES) select.append(el('option', {value: m, text: names[m]}));
  const status = el('span', {role: 'status'});
  const element = el('div', {class: 'bb-field', 'data-background': ''},
    el('label', {for: id, text: S['background.label']}), select, status);

  let effect = null;
  let mode = MODES.includes(localStorage.getItem(STORE)) ? localStorage.getItem(STORE) : 'off';
  select.value = mode;
  element.dataset.state = 'off';

  const fail = () => {
    if (effect) { effect.stop(); effect = null; }
    status.textContent = S['background.unavailable'];
    element.dataset.state = 'unavailable';
    select.value = 'off';
    if (camera()) send(camera());
  };
  // begin starts the effect on raw (without sending it: the caller does).
  const begin = (raw) => {
    const e = new Effect(raw, mode);
    e.setMode(mode);
    effect = e;
    status.textContent = S['background.loading'];
    element.dataset.state = 'loading';
    e.ready.then(() => {
      if (effect !== e) return;
      status.textContent = '';
      element.dataset.state = mode;
    }, () => { if (effect === e) fail(); });
    return e.out;
  };

  select.addEventListener('change', async () => {
    mode = select.value;
    localStorage.setItem(STORE, mode);
    const raw = camera();
    if (mode === 'off') {
      if (effect) { effect.stop(); effect = null; }
      status.textContent = '';
      element.dataset.state = 'off';
      if (raw) await send(raw);
      return;
    }
    if (effect) {
      effect.setMode(mode);
      if (element.dataset.state !== 'loading') element.dataset.state = mode;
      return;
    }
    if (raw) await send(begin(raw));
  });

  return {
    element,
    outgoing(raw) {
      if (mode === 'off' || element.dataset.state === 'unavailable') return raw;
      if (effect && !effect.stopped) return effect.out;
      const out = begin(raw); // the remembered choice, at the call's start
      Promise.resolve().then(() => send(out)); // the clerk's own tile too
      return out;
    },
    input(raw) {
      if (!effect) return raw;
      effect.setInput(raw).catch(fail);
      return effect.out;
    },
  };
}
