// The scripted shopping session: a fixed, deterministic list of trusted
// interactions (CDP Input.dispatch*), the same for every contender.
//
// One 33-interaction cycle: search (click the box, type 8 letters), pick a
// size, look at two views, open a tab, quantity + and −, search again (6
// letters), two sizes, three views, two tabs, + and −, another size, and
// "add to cart" (a 30 ms handler: the page's slow interaction, so INP is
// about 30–40 ms). Cycles repeat until `count` interactions.

const WORD = 'trail runner summit glide storm tempo ';

export function plan(count) {
  const cycle = [
    ['click', 'search'],
    ...Array(8).fill(['key']),
    ['click', 'size'],
    ['click', 'thumb'],
    ['click', 'thumb'],
    ['click', 'tab'],
    ['click', 'plus'],
    ['click', 'minus'],
    ['click', 'search'],
    ...Array(6).fill(['key']),
    ['click', 'size'],
    ['click', 'size'],
    ['click', 'thumb'],
    ['click', 'thumb'],
    ['click', 'thumb'],
    ['click', 'tab'],
    ['click', 'tab'],
    ['click', 'plus'],
    ['click', 'minus'],
    ['click', 'size'],
    ['click', 'add'],
  ];
  const out = [];
  const idx = { size: 0, thumb: 0, tab: 0 };
  let k = 0;
  while (out.length < count) {
    for (const [type, what] of cycle) {
      if (out.length >= count) break;
      if (type === 'key') out.push({ type, key: WORD[k++ % WORD.length] });
      else out.push({ type, what, i: what in idx ? idx[what]++ : 0 });
    }
  }
  return out;
}

/** Centres of the session's targets, read once from the page. */
export const TARGETS_JS = `(() => {
  const c = (el) => { const r = el.getBoundingClientRect(); return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)]; };
  const all = (s) => [...document.querySelectorAll(s)].map(c);
  return {
    search: all('#search'), size: all('#sizes button'), thumb: all('#thumbs button'),
    tab: all('#tabs button'), plus: all('#plus'), minus: all('#minus'), add: all('#add'),
  };
})()`;

/**
 * Runs the session on `page` (bench/lib/cdp.mjs Page): `inFlight`
 * interactions are queued at a time (their input events are sent at once,
 * then all acknowledgements awaited). Returns the wall time in ms.
 */
export async function run(page, steps, targets, inFlight = 1) {
  const t0 = Date.now();
  const dispatch = (s) => {
    if (s.type === 'key')
      return [
        page.send('Input.dispatchKeyEvent', { type: 'keyDown', key: s.key, text: s.key }),
        page.send('Input.dispatchKeyEvent', { type: 'keyUp', key: s.key }),
      ];
    const list = targets[s.what];
    const [x, y] = list[s.i % list.length];
    return [
      page.send('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', buttons: 1, clickCount: 1 }),
      page.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', buttons: 0, clickCount: 1 }),
    ];
  };
  for (let i = 0; i < steps.length; i += inFlight) await Promise.all(steps.slice(i, i + inFlight).flatMap(dispatch));
  return Date.now() - t0;
}
