import {api, live, el, S, showError} from './common.js';
import {startMedia} from './media.js';

// eventwatch.js — a viewer's page of an event (/events/{id}/watch) and an
// external speaker's (/speak#{token}: the token after '#' never
// reaches a server; it goes to the API as a bearer token). A viewer joins anonymously (a
// session token kept in this tab only), watches the speakers, sends
// questions and raises a hand; a moderator may bring the viewer on stage,
// whose microphone (and camera, if the event allows) then goes out on the
// running connection. The approved questions are a live region.

const root = document.getElementById('event');
const $ = (x) => document.getElementById(x);
const error = $('error');
const mode = root.dataset.mode;
let eventId = root.dataset.event || '';
let session = null; // {token, id}
let media = null;
let stream = null;
let onStage = false;
let stageVideo = false; // whether the stage allowed video when the microphone (and camera) started
let staging = Promise.resolve(); // one change of the stage's devices after the other
let handUp = false;

const say = (node, text) => { if (node.textContent !== text) node.textContent = text; };
const path = (tail) => '/api/v1/events/' + encodeURIComponent(eventId) + tail;

function renderQuestions(list) {
  const ol = $('questions');
  for (const q of list) {
    if (ol.querySelector(`[data-question="${q.id}"]`)) continue;
    ol.append(el('li', {class: 'event-question', 'data-question': String(q.id), dir: 'auto', text: q.text}));
  }
  $('questions-none').hidden = ol.children.length > 0;
}

function over(status) {
  say($('ev-status'), status === 'cancelled' ? S.eventCancelled : S.eventEnded);
  $('participate').hidden = true;
  if (media) { media.close(); media = null; }
  if (stream) { stream.stop(); stream = null; }
}

function renderHand() {
  const b = $('hand');
  b.setAttribute('aria-pressed', String(handUp));
  say(b, handUp ? S.eventHandLower : S.eventHandRaise);
  b.hidden = onStage;
  say($('hand-state'), onStage ? S.eventOnStage : handUp ? S.eventHandUp : '');
}

function renderState(st) {
  renderQuestions(st.questions);
  root.dataset.status = st.status;
  if (st.status === 'ended' || st.status === 'cancelled') { over(st.status); return; }
  if (mode !== 'viewer') return;
  const nowOnStage = st.stage.includes(session.id);
  handUp = st.hands.includes(session.id);
  const video = nowOnStage && st.event.allow_video;
  if (nowOnStage !== onStage || video !== stageVideo) {
    // on or off the stage, or the moderator allowed or took back video
    // while this viewer is on it
    const moved = nowOnStage !== onStage;
    onStage = nowOnStage;
    stageVideo = video;
    root.dataset.stage = String(onStage);
    const m = media, audio = onStage;
    if (m) staging = staging.then(() => m.stage({audio, video})).catch((e) => showError(error, e));
    if (moved && !onStage) say($('hand-state'), S.eventBackInAudience);
  }
  renderHand();
  if (!onStage && !handUp && $('hand-state').textContent === S.eventOnStage) say($('hand-state'), '');
}

async function grant() {
  return (await api(path('/media'), {method: 'POST', token: session.token})).grant;
}

async function enter() {
  $('join-box').hidden = true;
  root.dataset.viewer = session.id;
  stream = live(() => path('/stream'), {auth: {token: session.token},
    onmessage: (m) => { if (m.type === 'state') renderState(m.state); },
    onfatal: () => over('ended')});
  if (mode === 'viewer') { $('participate').hidden = false; renderHand(); }
  try {
    const g = await grant();
    media = await startMedia($('media'), {signalURL: g.signal_url, token: g.token, iceServers: g.ice_servers, renew: grant,
      room: eventId, uid: session.id, lang: S.lang, role: mode === 'viewer' ? 'viewer' : 'speaker'});
  } catch (err) { showError(error, err); }
}

const storeKey = () => 'bb_event_' + mode + '_' + eventId;

async function join() {
  showError(error, null);
  try {
    if (mode === 'viewer') {
      const v = await api(path('/viewers'), {method: 'POST'});
      session = {token: v.token, id: v.viewer_id};
    } else {
      const token = decodeURIComponent(location.hash.slice(1));
      const sp = await api('/api/v1/speaker-invites/redeem', {method: 'POST', token});
      eventId = sp.event_id;
      session = {token: sp.token, id: sp.speaker_id};
      sessionStorage.setItem('bb_event_speaker', JSON.stringify({event: eventId, ...session}));
    }
    if (mode === 'viewer') sessionStorage.setItem(storeKey(), JSON.stringify(session));
  } catch (err) { showError(error, err); return; }
  await enter();
}

$('join').addEventListener('click', join);

if (mode === 'viewer') {
  $('ask').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(error, null);
    say($('ask-ok'), '');
    const text = $('ask-text').value.trim();
    if (!text) return;
    try {
      await api(path('/questions'), {method: 'POST', body: {text}, token: session.token});
      $('ask-text').value = '';
      say($('ask-ok'), S.eventAsked);
    } catch (err) { showError(error, err); }
  });
  $('hand').addEventListener('click', async () => {
    showError(error, null);
    try {
      const r = await api(path('/hand'), {method: 'PUT', body: {raised: !handUp}, token: session.token});
      handUp = r.raised;
      renderHand();
    } catch (err) { showError(error, err); }
  });
}

// a reload of the tab keeps the session
try {
  const saved = mode === 'viewer' ? JSON.parse(sessionStorage.getItem(storeKey()) || 'null')
    : JSON.parse(sessionStorage.getItem('bb_event_speaker') || 'null');
  if (saved && saved.token) {
    if (mode !== 'viewer') eventId = saved.event;
    session = {token: saved.token, id: saved.id};
    enter();
  }
} catch (_) { /* nothing saved */ }
