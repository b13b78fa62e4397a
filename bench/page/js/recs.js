// recs.js: "you may also like", rendered from the recommendations API.
(function () {
  'use strict';
  fetch('/api/recs.json')
    .then((r) => r.json())
    .then((items) => {
      const grid = document.getElementById('recs');
      for (const p of items) {
        const card = document.createElement('a');
        card.className = 'card';
        card.href = '#';
        card.innerHTML = `<img src="${p.image}" width="200" height="200" alt=""><p>${p.name}</p><p class="p">€${p.price}.00</p>`;
        grid.append(card);
      }
    });
})();
