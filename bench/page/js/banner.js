// banner.js: a promotion bar injected at the top once the campaign service
// answers: pushes the whole page down (the page's main layout shift).
(function () {
  'use strict';
  const show = () => {
    const bar = document.createElement('div');
    bar.className = 'promo';
    bar.textContent = 'Spring sale: 15% off trail shoes with code TRAIL15 — ends Sunday';
    document.getElementById('promo-slot').append(bar);
  };
  const later = () => setTimeout(show, 450);
  document.readyState === 'loading' ? document.addEventListener('DOMContentLoaded', later) : later();
})();
