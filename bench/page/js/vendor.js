// vendor.js: a stand-in for a small UI framework and the product catalogue
// it hydrates (some real startup work, as every shop page has).
(function () {
  'use strict';
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const k in props || {}) {
      if (k === 'class') el.className = props[k];
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), props[k]);
      else el.setAttribute(k, props[k]);
    }
    for (const c of children.flat()) el.append(c && c.nodeType ? c : document.createTextNode(String(c)));
    return el;
  }
  function store(state) {
    const subs = new Set();
    return {
      get: () => state,
      set(patch) {
        state = Object.assign({}, state, patch);
        subs.forEach((f) => f(state));
      },
      sub: (f) => (subs.add(f), () => subs.delete(f)),
    };
  }
  const adjectives = ['Trail', 'Road', 'Ultra', 'Tempo', 'Storm', 'Summit', 'Ridge', 'Canyon', 'Aero', 'Nimbus'];
  const nouns = ['Runner', 'Racer', 'Glide', 'Pace', 'Grip', 'Flow', 'Stride', 'Hiker', 'Trek', 'Dash'];
  const catalogue = [];
  for (let i = 0; i < 300; i++) {
    const name = `${adjectives[i % 10]} ${nouns[(i * 7) % 10]} ${1 + (i % 5)}`;
    catalogue.push({ id: i, name, lower: name.toLowerCase(), price: 59 + ((i * 37) % 140), tags: [adjectives[(i * 3) % 10], nouns[i % 10]] });
  }
  // Hydration: index the catalogue (a little CPU, as a real app spends).
  const index = new Map();
  for (const p of catalogue) {
    for (let n = 1; n <= p.lower.length; n++) {
      const key = p.lower.slice(0, n);
      if (!index.has(key)) index.set(key, []);
      index.get(key).push(p.id);
    }
  }
  window.ui = { h, store, catalogue, index, cart: store({ items: 0, total: 0 }) };
})();
