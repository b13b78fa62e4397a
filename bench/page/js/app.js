// app.js: the buy box (sizes, quantity, add to cart), tabs and search.
(function () {
  'use strict';
  const { h, catalogue, cart } = window.ui;
  const $ = (s) => document.querySelector(s);
  const busy = (ms) => {
    const end = performance.now() + ms;
    let x = 0;
    while (performance.now() < end) x += Math.sqrt(x + 1);
    return x;
  };
  const sizes = $('#sizes');
  sizes.addEventListener('click', (e) => {
    if (e.target.tagName !== 'BUTTON') return;
    for (const b of sizes.children) b.classList.toggle('on', b === e.target);
    $('#price').textContent = `€${(129 + (Number(e.target.textContent) > 43 ? 5 : 0)).toFixed(2)}`;
  });
  let qty = 1;
  const showQty = () => ($('#qty').textContent = String(qty));
  $('#minus').addEventListener('click', () => ((qty = Math.max(1, qty - 1)), showQty()));
  $('#plus').addEventListener('click', () => ((qty = Math.min(9, qty + 1)), showQty()));
  // Adding to cart recomputes prices, stock and promotions synchronously: a
  // slow handler, as many shops have (it sets this page's INP).
  $('#add').addEventListener('click', () => {
    busy(30);
    cart.set({ items: cart.get().items + qty, total: cart.get().total + 129 * qty });
  });
  cart.sub((s) => ($('#cart-count').textContent = String(s.items)));
  const panels = {
    desc: () => h('p', null, 'Built for technical trails: a 4 mm lugged outsole, a flexible rock plate and a gusseted tongue that keeps grit out.'),
    spec: () => h('ul', null, ['Weight 280 g (size 42)', 'Drop 6 mm', 'Stack 28/22 mm', 'Upper: recycled mesh'].map((t) => h('li', null, t))),
    care: () => h('p', null, 'Rinse with cold water, remove the insoles and dry away from direct heat.'),
  };
  const tabs = $('#tabs');
  const show = (name) => {
    for (const b of tabs.children) b.classList.toggle('on', b.dataset.tab === name);
    $('#panel').replaceChildren(panels[name]());
  };
  tabs.addEventListener('click', (e) => e.target.dataset.tab && show(e.target.dataset.tab));
  show('desc');
  const search = $('#search');
  search.addEventListener('input', () => {
    const q = search.value.trim().toLowerCase().slice(-12);
    const hits = q ? catalogue.filter((p) => p.lower.includes(q) || p.tags.some((t) => t.toLowerCase().startsWith(q))) : [];
    $('#matches').textContent = q ? `${hits.length} matches${hits.length ? ': ' + hits.slice(0, 3).map((p) => p.name).join(', ') : ''}` : '';
    if (search.value.length > 24) search.value = '';
  });
  // "Next product": a single-page-app route change, as a router does it (the
  // History API and a re-render, no document load): the click pushes the
  // second product's URL (query kept) and renders it into the same layout,
  // with a new hero image, its largest paint. A soft navigation for Chromium.
  const next = $('#next');
  next.addEventListener('click', (e) => {
    e.preventDefault();
    history.pushState({ product: 2 }, '', next.getAttribute('href') + location.search);
    document.title = 'Summit Glide 2 — Northwind Outfitters';
    $('.info h1').textContent = 'Summit Glide 2';
    $('#price').textContent = '€139.00';
    $('.info .lead').textContent = 'A cushioned long-distance trail shoe: 8 mm drop, a wide toe box and a sticky outsole for wet rock.';
    next.remove();
    const hero = h('img', { id: 'hero', class: 'hero', src: '/img/hero2/640x480.png', width: 640, height: 480, alt: 'Summit Glide 2, side view' });
    $('#hero').replaceWith(hero);
    $('#caption').textContent = 'Side view';
  });
})();
