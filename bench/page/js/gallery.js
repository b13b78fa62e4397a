// gallery.js: thumbnails switch the caption and the highlighted view.
(function () {
  'use strict';
  const thumbs = document.getElementById('thumbs');
  thumbs.firstElementChild.classList.add('on');
  thumbs.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    for (const t of thumbs.children) t.classList.toggle('on', t === b);
    document.getElementById('caption').textContent = b.dataset.view;
  });
})();
