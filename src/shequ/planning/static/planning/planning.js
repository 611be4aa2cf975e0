// The printable QR code of a consultation: <button data-print> prints the page (no inline
// script: the Content-Security-Policy forbids it).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
