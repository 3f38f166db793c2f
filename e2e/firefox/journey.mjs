// journey.mjs — the citizen's journey in Debian's Firefox ESR, driven over
// WebDriver BiDi by puppeteer-core (run by e2e/firefox_browser_test.go).
// It uses only the real pages: the office's knock form, the waiting room,
// the consultation room with the camera (Firefox's fake device), and the
// hang-up button.
//
// It reports on stdout, one JSON object per line ({"event": ...}); the Go
// test plays the clerk and answers on stdin with "hangup" once it has seen
// the citizen's video on the clerk's side. Anything that goes wrong ends
// the script with {"event": "error"} and exit status 1.
//
// Environment: BB_URL (appliance), BB_OFFICE (office id), BB_FIREFOX
// (browser binary), BB_NODE_MODULES (where puppeteer-core is installed),
// BB_WAIT_MS (deadline of each step).
import {createRequire} from 'node:module';
import path from 'node:path';
import readline from 'node:readline';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`environment variable ${k} is not set`);
  return v;
};
const report = (event, fields = {}) => process.stdout.write(JSON.stringify({event, ...fields}) + '\n');
const log = (msg) => process.stderr.write(msg + '\n');

const base = env('BB_URL');
const office = env('BB_OFFICE');
const stepWait = Number(process.env.BB_WAIT_MS || 120000);
// puppeteer-core lives in a cache folder outside the repository
// (scripts/tools/node-modules), so it is loaded from there by path.
const puppeteer = createRequire(path.join(env('BB_NODE_MODULES'), 'index.js'))('puppeteer-core');

// stdin carries the Go test's commands, one a line.
const commands = readline.createInterface({input: process.stdin});
const waiters = [];
const received = [];
commands.on('line', (line) => {
  const w = waiters.shift();
  if (w) w(line.trim()); else received.push(line.trim());
});
const nextCommand = () => new Promise((resolve, reject) => {
  if (received.length) { resolve(received.shift()); return; }
  waiters.push(resolve);
  commands.once('close', () => reject(new Error('the test closed stdin before sending a command')));
});

// within runs fn with a deadline, naming the step when it is missed.
async function within(name, fn, ms = stepWait) {
  let timer;
  const deadline = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${name}: no result within ${ms} ms`)), ms); });
  try { return await Promise.race([fn(), deadline]); } finally { clearTimeout(timer); }
}

// videoProgress reads, in the page, the remote video's size, its playback
// position, the frames the element presented (requestVideoFrameCallback)
// and the frames the subscriber connection decoded (getStats).
const videoProgress = `(async () => {
  const v = document.querySelector('#media video[data-tile="remote"]');
  if (!v) return null;
  if (!v.bbFrames) {
    v.bbFrames = 0;
    const count = () => { v.bbFrames++; v.requestVideoFrameCallback(count); };
    v.requestVideoFrameCallback(count);
  }
  let decoded = 0;
  if (window.bbMedia && window.bbMedia.subscriber) {
    (await window.bbMedia.subscriber.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') decoded += r.framesDecoded || 0;
    });
  }
  return {width: v.videoWidth, height: v.videoHeight, time: v.currentTime, presented: v.bbFrames, decoded};
})()`;

// sent reads the frames Firefox encoded and sent for its own camera.
const sentFrames = `(async () => {
  let encoded = 0;
  if (window.bbMedia && window.bbMedia.publisher) {
    (await window.bbMedia.publisher.getStats()).forEach((r) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video') encoded += r.framesEncoded || 0;
    });
  }
  return encoded;
})()`;

// poll evaluates fn in the page until ok(result) holds. It samples rather
// than using page.waitForFunction, whose in-page poller the appliance's
// strict CSP (no eval) blocks; and there is no event for "a frame was
// decoded". An evaluation that fails because the page is navigating is
// tried again.
async function poll(page, name, fn, ok = (r) => r, ...args) {
  return within(name, async () => {
    for (;;) {
      let r;
      try { r = await page.evaluate(fn, ...args); } catch (e) { if (!/context|navigat|destroyed|discarded/i.test(String(e.message))) throw e; }
      if (ok(r)) return r;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });
}

// shown waits until selector matches an element that is laid out and
// returns its handle. (puppeteer's locators and waitForSelector poll with
// the same eval-based helper as waitForFunction.)
async function shown(page, name, selector) {
  await poll(page, name, (sel) => {
    const e = document.querySelector(sel);
    return !!e && !e.closest('[hidden]') && e.getClientRects().length > 0;
  }, (r) => r, selector);
  return page.$(selector);
}

// click clicks the element as a user would (a real pointer event over BiDi).
async function click(page, name, selector) {
  const h = await shown(page, name, selector);
  await within(name, () => h.click());
}

// iceReport describes, for the test output, what the page's two
// connections know of ICE: their states and the candidates on each side.
const iceReport = `(async () => {
  if (!window.bbMedia) return 'no connections';
  const out = [];
  for (const [name, pc] of Object.entries(window.bbMedia)) {
    out.push(name + ': ice ' + pc.iceConnectionState + ', connection ' + pc.connectionState);
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'local-candidate' || r.type === 'remote-candidate') out.push('  ' + r.type + ' ' + r.candidateType + ' ' + r.protocol + ' ' + (r.address || r.ip) + ':' + r.port);
      if (r.type === 'candidate-pair') out.push('  pair ' + r.state + (r.nominated ? ' nominated' : ''));
    });
  }
  return out.join('\\n');
})()`;

let browser;
let page;
try {
  browser = await within('start Firefox', () => puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: env('BB_FIREFOX'),
    headless: true,
    // the appliance's self-signed test certificate; the page is still a
    // secure context (getUserMedia needs one)
    acceptInsecureCerts: true,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,          // fake camera and microphone
      'media.navigator.permission.disabled': true,   // no permission prompt
      'media.peerconnection.ice.loopback': true,     // ICE candidates on 127.0.0.1 (the test SFU)
      // real host addresses instead of mDNS names (….local). The test SFU
      // listens on 127.0.0.1, and Firefox pairs no mDNS-named candidate
      // with a loopback one (ICE failed with no candidate pair). With the
      // SFU on a routable address the journey also passes obfuscated, as a
      // citizen's Firefox behind a real SFU would be.
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.autoplay.default': 0,                   // remote video plays without a gesture
      'intl.accept_languages': 'de-DE,de',
    },
  }));
  report('browser', {version: await browser.version()});
  page = await browser.newPage();
  page.setDefaultTimeout(stepWait);
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') log(`firefox console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => log(`firefox page error: ${e.message || e}`));
  // confirm() before hanging up: the citizen means it
  page.on('dialog', (d) => { d.accept().catch((e) => log(`dialog: ${e.message}`)); });

  // knock with a concern
  await page.goto(`${base}/offices/${encodeURIComponent(office)}`);
  const concern = await shown(page, 'the knock form', '#concern');
  await within('type the concern', () => concern.type('Videoberatung mit Firefox bitte'));
  await click(page, 'knock', '#knock button[type=submit]');
  // the waiting room shows the ticket's number once its live view is up
  const number = await poll(page, 'the waiting room shows the number', () => {
    const n = location.pathname.startsWith('/wait/') && document.getElementById('number');
    return n && /^[A-Z]+-\d+$/.test(n.textContent.trim()) && n.textContent.trim();
  });
  report('waiting', {number, place: await page.$eval('#place', (e) => e.textContent.trim())});

  // called: the waiting room takes the citizen into the room
  await poll(page, 'called into the room', () => location.pathname.startsWith('/room/') && document.readyState === 'complete', (r) => r);
  report('room');
  await click(page, 'consent to camera and microphone', 'button[data-action="consent"]');
  report('consented');

  // the clerk's video arrives and keeps being decoded and presented
  const first = await poll(page, "the clerk's video decodes", videoProgress, (r) => r && r.width > 0 && r.decoded > 0);
  const later = await poll(page, "the clerk's video keeps playing", videoProgress,
    (r) => r && r.decoded > first.decoded && r.presented > first.presented && r.time > first.time);
  const encoded = await poll(page, 'Firefox sends its camera', sentFrames, (n) => n > 0);
  report('decoding', {width: later.width, height: later.height, framesDecoded: later.decoded, framesPresented: later.presented, currentTime: later.time, framesEncoded: encoded});

  // the test has seen our video on the clerk's side; now hang up
  const cmd = await within('command from the test', nextCommand, 10 * stepWait);
  if (cmd !== 'hangup') throw new Error(`unknown command ${JSON.stringify(cmd)}`);
  await click(page, 'hang up', 'button[data-action="hangup"]');
  await poll(page, 'the call ends', () => !document.querySelector('#media video[data-tile="remote"]') && document.getElementById('actions').hidden);
  report('ended', {state: await page.$eval('#state', (e) => e.textContent.trim())});
  await browser.close();
  browser = null;
  commands.close();
} catch (e) {
  if (page) log('ICE at the failure:\n' + await page.evaluate(iceReport).catch((err) => String(err)));
  report('error', {message: String(e && e.message || e), stack: String(e && e.stack || '')});
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}
