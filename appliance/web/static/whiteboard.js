// The room's shared whiteboard: a canvas for freehand strokes (outlined by
// the vendored perfect-freehand), lines, rectangles, ellipses, arrows and
// text, a laser pointer, undo of one's own drawings, clear (the host) and
// export to PNG. Coordinates are 0..1 of the canvas so screens of every
// size agree; the server (package whiteboard) keeps the board. This module
// draws and takes input only: the caller passes how operations travel.
import {el, S, plural} from './common.js';
import {getStroke} from './vendor/perfect-freehand/index.mjs';

// The palette's shades (the server accepts the names only); each keeps a
// contrast of at least 4.5:1 on white.
export const PALETTE = {black: '#1f1f1f', blue: '#0b57d0', red: '#b3261e', green: '#146c2e', orange: '#a04100', purple: '#7627bb'};
const TOOLS = {stroke: S.wb_stroke, line: S.wb_line, rect: S.wb_rect, ellipse: S.wb_ellipse, arrow: S.wb_arrow, text: S.wb_text, laser: S.wb_laser};
const COLORS = {black: S.wb_color_black, blue: S.wb_color_blue, red: S.wb_color_red, green: S.wb_color_green, orange: S.wb_color_orange, purple: S.wb_color_purple};
const SIZES = [1, 2, 4, 8];
const ASPECT = 3 / 4; // height : width
const LASER_MS = 1500;

const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2));
const rtlText = /^[^A-Za-z\u00C0-\u024F\u0370-\u052F]*[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

// mountWhiteboard builds the tool bar and canvas into root. send(op)
// returns a promise of the operation as the server applied it; laser(x, y)
// passes the pointer to the others (not stored); onError(err) shows a
// refusal. canClear shows the clear button (the server decides anyway).
export function mountWhiteboard(root, {send, laser, onError, canClear = false}) {
  let items = [];          // drawings in drawing order: {id, kind, color, size, points, text, seq, mine}
  let baseSeq = 0;         // the snapshot's seq: operations up to it are in items
  let tool = 'stroke', color = 'black', size = 2;
  let draft = null;        // the drawing under the pointer
  const lasers = new Map(); // who -> {x, y, at}
  let lastLaser = 0;

  const bar = el('div', {class: 'wb-tools', role: 'toolbar', 'aria-label': S.wb_tools});
  const toolButtons = Object.entries(TOOLS).map(([t, label]) => el('button', {type: 'button', class: 'wb-tool', 'data-tool': t, 'aria-pressed': String(t === tool), text: label, onclick: () => pick(t)}));
  const colorGroup = el('div', {class: 'wb-group', role: 'group', 'aria-label': S.wb_color});
  const colorButtons = Object.entries(COLORS).map(([c, label]) => {
    const b = el('button', {type: 'button', class: 'wb-color', 'data-color': c, 'aria-pressed': String(c === color), title: label, onclick: () => pickColor(c)},
      el('span', {class: 'wb-swatch', 'aria-hidden': 'true'}), el('span', {class: 'visually-hidden', text: label}));
    b.firstChild.style.backgroundColor = PALETTE[c];
    colorGroup.append(b);
    return b;
  });
  const sizeId = 'wb-size-' + newId().slice(0, 8);
  const sizeSelect = el('select', {id: sizeId, class: 'wb-size', onchange: () => { size = Number(sizeSelect.value); }},
    ...SIZES.map((n) => el('option', {value: String(n), selected: n === size, text: String(n)})));
  const undoButton = el('button', {type: 'button', class: 'wb-action', 'data-action': 'undo', text: S.wb_undo, onclick: () => undo()});
  const clearButton = el('button', {type: 'button', class: 'wb-action', 'data-action': 'clear', text: S.wb_clear, hidden: !canClear, onclick: () => clear()});
  const exportButton = el('button', {type: 'button', class: 'wb-action', 'data-action': 'export', text: S.wb_export, onclick: () => exportPNG()});
  const download = el('a', {class: 'wb-download', hidden: true});
  bar.append(...toolButtons, colorGroup,
    el('span', {class: 'wb-group'}, el('label', {for: sizeId, text: S.wb_size}), ' ', sizeSelect),
    undoButton, clearButton, exportButton, download);

  const textsId = 'wb-texts-' + newId().slice(0, 8);
  const canvas = el('canvas', {class: 'wb-canvas', role: 'img', 'aria-describedby': textsId});
  const overlay = el('canvas', {class: 'wb-overlay', 'aria-hidden': 'true'});
  const texts = el('ul', {id: textsId, class: 'visually-hidden'});
  const textForm = el('form', {class: 'wb-textform', method: 'post', hidden: true});
  const textInputId = 'wb-textinput-' + newId().slice(0, 8);
  const textInput = el('input', {id: textInputId, type: 'text', maxlength: '200', autocomplete: 'off'});
  textForm.append(el('label', {for: textInputId, text: S.wb_text_input}), ' ', textInput, ' ', el('button', {type: 'submit', class: 'secondary', text: S.wb_text_place}));
  const surface = el('div', {class: 'wb-surface'}, canvas, overlay);
  root.append(bar, textForm, surface, texts);

  // drawing
  const W = () => canvas.width, H = () => canvas.height;
  function fit() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(surface.clientWidth * dpr));
    const h = Math.max(1, Math.round(w * ASPECT));
    for (const c of [canvas, overlay]) { if (c.width !== w || c.height !== h) { c.width = w; c.height = h; } }
    redraw();
  }
  const unit = () => W() / 500;

  function paint(ctx, it) {
    const pts = it.points.map((p) => [p[0] * W(), p[1] * H(), p[2] || 0]);
    ctx.fillStyle = ctx.strokeStyle = PALETTE[it.color] || PALETTE.black;
    ctx.lineWidth = it.size * unit();
    ctx.lineCap = ctx.lineJoin = 'round';
    const [a, b] = pts;
    ctx.beginPath();
    switch (it.kind) {
      case 'stroke': {
        const pressured = pts.some((p) => p[2] > 0);
        const outline = getStroke(pressured ? pts : pts.map((p) => [p[0], p[1]]), {size: it.size * unit() * 2.5, thinning: 0.6, smoothing: 0.5, streamline: 0.4, simulatePressure: !pressured, last: !(draft && draft.item === it)});
        if (!outline.length) return;
        ctx.moveTo(outline[0][0], outline[0][1]);
        for (const p of outline.slice(1)) ctx.lineTo(p[0], p[1]);
        ctx.closePath();
        ctx.fill();
        return;
      }
      case 'line': case 'arrow':
        ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]);
        if (it.kind === 'arrow') {
          const ang = Math.atan2(b[1] - a[1], b[0] - a[0]), len = Math.max(10, 5 * ctx.lineWidth);
          for (const d of [-0.45, 0.45]) { ctx.moveTo(b[0], b[1]); ctx.lineTo(b[0] - len * Math.cos(ang + d), b[1] - len * Math.sin(ang + d)); }
        }
        break;
      case 'rect':
        ctx.rect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]));
        break;
      case 'ellipse':
        ctx.ellipse((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, Math.abs(b[0] - a[0]) / 2, Math.abs(b[1] - a[1]) / 2, 0, 0, 2 * Math.PI);
        break;
      case 'text': {
        // the text's own direction, not the page's, so every reader sees
        // it at the same place
        const rtl = rtlText.test(it.text);
        ctx.font = Math.round(W() * (0.02 + it.size * 0.005)) + 'px system-ui, sans-serif';
        ctx.direction = rtl ? 'rtl' : 'ltr';
        ctx.textAlign = rtl ? 'right' : 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(it.text, a[0], a[1]);
        return;
      }
    }
    ctx.stroke();
  }

  function redraw() {
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W(), H());
    for (const it of items) paint(ctx, it);
    canvas.setAttribute('aria-label', plural('wb_label', {Count: items.length}));
    canvas.dataset.items = String(items.length);
    texts.replaceChildren(...items.filter((it) => it.kind === 'text').map((it) => el('li', {text: it.text})));
    undoButton.disabled = !items.some((it) => it.mine);
    drawOverlay();
  }

  function drawOverlay() {
    const ctx = overlay.getContext('2d');
    ctx.clearRect(0, 0, W(), H());
    if (draft) paint(ctx, draft.item);
    const now = performance.now();
    for (const [who, l] of lasers) {
      const age = (now - l.at) / LASER_MS;
      if (age >= 1) { lasers.delete(who); continue; }
      ctx.globalAlpha = 1 - age;
      ctx.fillStyle = '#d00000';
      ctx.beginPath();
      ctx.arc(l.x * W(), l.y * H(), Math.max(5, 2.5 * unit()), 0, 2 * Math.PI);
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    if (lasers.size) requestAnimationFrame(drawOverlay);
  }

  // input: Pointer Events for mouse, pen and touch alike
  const at = (ev) => {
    const r = overlay.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    const p = ev.pointerType === 'pen' && ev.pressure > 0 ? Math.round(ev.pressure * 1000) / 1000 : 0;
    return [clamp((ev.clientX - r.left) / r.width), clamp((ev.clientY - r.top) / r.height), p];
  };
  overlay.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0 || draft) return;
    ev.preventDefault();
    const p = at(ev);
    if (tool === 'laser') { pointLaser(p); return; }
    if (tool === 'text') { askText(p); return; }
    try { overlay.setPointerCapture(ev.pointerId); } catch (_) { /* a pointer the browser no longer tracks */ }
    const pts = tool === 'stroke' ? [p] : [p, p.slice()];
    draft = {pointer: ev.pointerId, item: {id: newId(), kind: tool, color, size, points: pts, mine: true}};
    drawOverlay();
  });
  overlay.addEventListener('pointermove', (ev) => {
    if (tool === 'laser') { if (ev.buttons) pointLaser(at(ev)); return; }
    if (!draft || ev.pointerId !== draft.pointer) return;
    const evs = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [ev];
    const pts = draft.item.points;
    if (draft.item.kind === 'stroke') {
      for (const e of (evs.length ? evs : [ev])) if (pts.length < 2000) pts.push(at(e));
    } else {
      pts[1] = at(ev);
    }
    drawOverlay();
  });
  const finish = (ev) => {
    if (!draft || ev.pointerId !== draft.pointer) return;
    const it = draft.item;
    draft = null;
    if (ev.type === 'pointercancel') { drawOverlay(); return; }
    it.points = it.points.map((p) => [round(p[0]), round(p[1]), p[2]]);
    commit(it);
  };
  overlay.addEventListener('pointerup', finish);
  overlay.addEventListener('pointercancel', finish);
  const round = (v) => Math.round(v * 1e4) / 1e4;

  function pointLaser(p) {
    lasers.set('', {x: p[0], y: p[1], at: performance.now()});
    drawOverlay();
    const now = performance.now();
    if (laser && now - lastLaser > 50) { lastLaser = now; laser(round(p[0]), round(p[1])); }
  }

  let textAt = null;
  function askText(p) {
    textAt = p;
    textForm.hidden = false;
    textInput.value = '';
    textInput.focus();
  }
  textForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = textInput.value.trim();
    textForm.hidden = true;
    if (text && textAt) commit({id: newId(), kind: 'text', color, size, points: [[round(textAt[0]), round(textAt[1]), 0]], text, mine: true});
    textAt = null;
    overlay.focus({preventScroll: true});
  });
  textInput.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { textForm.hidden = true; textAt = null; } });

  // operations
  async function commit(it) {
    items.push(it);
    redraw();
    try {
      const op = await send({op: 'add', id: it.id, item: {kind: it.kind, color: it.color, size: it.size, points: it.points, text: it.text}});
      it.seq = op.seq;
    } catch (err) {
      items = items.filter((x) => x !== it);
      redraw();
      onError && onError(err);
    }
  }
  async function undo() {
    const mine = items.filter((it) => it.mine && it.seq !== undefined);
    const it = mine[mine.length - 1];
    if (!it) return;
    try {
      await send({op: 'undo', id: newId(), target: it.id});
      items = items.filter((x) => x.id !== it.id);
      redraw();
    } catch (err) { onError && onError(err); }
  }
  async function clear() {
    if (!window.confirm(S.wb_clear_confirm)) return;
    try {
      const op = await send({op: 'clear', id: newId()});
      applyOp(op);
    } catch (err) { onError && onError(err); }
  }
  function exportPNG() {
    canvas.toBlob((blob) => {
      if (!blob) return;
      if (download.href) URL.revokeObjectURL(download.href);
      download.href = URL.createObjectURL(blob);
      download.download = S.wb_filename + '.png';
      download.click();
    }, 'image/png');
  }

  // applyOp takes an operation from the server (another participant's, or
  // a re-delivered own one) into the board.
  function applyOp(op) {
    if (!op || op.seq <= baseSeq) return;
    switch (op.op) {
      case 'add':
        if (op.item && !items.some((it) => it.id === op.id)) {
          items.push({...op.item, seq: op.seq});
          items.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
        }
        break;
      case 'undo': items = items.filter((it) => it.id !== op.target); break;
      case 'clear': items = items.filter((it) => it.seq === undefined || it.seq > op.seq); break;
    }
    redraw();
  }

  function pick(t) {
    tool = t;
    for (const b of toolButtons) b.setAttribute('aria-pressed', String(b.dataset.tool === t));
    surface.dataset.tool = t;
  }
  function pickColor(c) {
    color = c;
    for (const b of colorButtons) b.setAttribute('aria-pressed', String(b.dataset.color === c));
  }
  // arrow keys move along the tool bar (in the page's direction)
  bar.addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    if (ev.target.tagName === 'SELECT') return;
    const all = [...bar.querySelectorAll('button:not([hidden]):not([disabled])')];
    const i = all.indexOf(ev.target);
    if (i < 0) return;
    const rtl = getComputedStyle(bar).direction === 'rtl';
    const step = (ev.key === 'ArrowRight') !== rtl ? 1 : -1;
    all[(i + step + all.length) % all.length].focus();
    ev.preventDefault();
  });
  root.addEventListener('keydown', (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key === 'z' && ev.target.tagName !== 'INPUT' && ev.target.tagName !== 'TEXTAREA') { ev.preventDefault(); undo(); }
  });

  const ro = new ResizeObserver(fit);
  ro.observe(surface);
  pick(tool);
  fit();

  return {
    // load replaces the board by a snapshot (on opening and reconnecting)
    load(snap) {
      const pending = items.filter((it) => it.seq === undefined);
      items = snap.items.map((it) => ({...it})).concat(pending);
      baseSeq = snap.seq;
      redraw();
    },
    apply: applyOp,
    // showLaser shows another participant's pointer for a moment
    showLaser(who, x, y) { lasers.set('r:' + who, {x, y, at: performance.now()}); drawOverlay(); },
    setCanClear(v) { clearButton.hidden = !v; },
    count: () => items.length,
    destroy() { ro.disconnect(); root.replaceChildren(); },
  };
}
