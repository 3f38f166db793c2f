// The whiteboard panel of the room page: a disclosure button opens the
// board (whiteboard.js, loaded on first use), which then follows the
// room's event stream (drawings and laser pointers of the others) and is
// reloaded from the server's snapshot after every reconnect.
import {api} from './common.js';

export function roomBoard(room, auth, {canClear, onError}) {
  const toggle = document.getElementById('wb-toggle');
  const box = document.getElementById('whiteboard');
  const path = '/api/v1/rooms/' + encodeURIComponent(room) + '/whiteboard';
  let wb = null, opening = null;

  async function sync() {
    if (!wb) return;
    try { wb.load(await api(path, auth)); } catch (err) { onError(err); }
  }
  async function mount() {
    const {mountWhiteboard} = await import('./whiteboard.js');
    wb = mountWhiteboard(box, {
      canClear, onError,
      send: (op) => api(path, {method: 'POST', body: op, ...auth}),
      laser: (x, y) => { api(path, {method: 'POST', body: {op: 'pointer', x, y}, ...auth}).catch(() => {}); },
    });
    await sync();
  }
  function show(open) {
    box.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open && !opening) opening = mount().catch(onError);
  }
  toggle.addEventListener('click', () => show(box.hidden));
  toggle.disabled = false; // the page's button works from now on

  return {
    // event takes a message of the room's stream
    event(msg) {
      if (!wb) return;
      if (msg.type === 'whiteboard') wb.apply(msg.op);
      else if (msg.type === 'pointer') wb.showLaser(msg.from, msg.x, msg.y);
    },
    resync: sync,
    // stop: the room has ended, the board is gone with it
    stop() { show(false); toggle.disabled = true; },
  };
}
