// Demo only: the script tag above is the copy-paste snippet, pointed at the
// default demo collector (127.0.0.1:8787). This file, which runs before the
// module, points it at whatever collector served this page (tests and
// `cargo xtask screenshot` use other ports) and lets the traffic generator
// simulate releases with `?release=1.1.0`.
(function () {
  var tag = document.currentScript && document.currentScript.previousElementSibling;
  if (!tag || !tag.dataset) return;
  tag.dataset.url = location.origin + '/collect';
  var release = new URLSearchParams(location.search).get('release') || sessionStorage.getItem('demo-release');
  if (release) {
    sessionStorage.setItem('demo-release', release);
    tag.dataset.appVersion = release;
  }
})();
