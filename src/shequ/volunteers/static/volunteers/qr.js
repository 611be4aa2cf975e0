// The leader's check-in code: reload the picture as the code turns (every N seconds).
(function () {
  "use strict";
  var image = document.querySelector("[data-rotating-qr]");
  if (!image) { return; }
  var seconds = parseInt(image.getAttribute("data-seconds"), 10) || 30;
  var base = image.getAttribute("data-src");
  var refresh = function () { image.src = base + "?t=" + Date.now(); };
  refresh();
  window.setInterval(refresh, Math.max(5, seconds / 3) * 1000);
})();
