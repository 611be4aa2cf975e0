// Page behaviour shared by every template, declared with data- attributes instead of inline
// handlers, which the Content-Security-Policy (script-src 'self') does not run.
(function () {
  "use strict";

  // <select data-autosubmit>: choosing an option submits its form (filters in the console).
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) { field.form.requestSubmit(); }
  });

  // <button data-confirm="Question?">: nothing is submitted unless the person agrees.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
  });

  // <select data-clear-after-request="#id_community">: once htmx has reloaded the next level's
  // options (district -> streets), the level below that is stale, so it is emptied.
  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.target.closest("[data-clear-after-request]");
    if (!source) { return; }
    var stale = document.querySelector(source.dataset.clearAfterRequest);
    if (stale) { stale.replaceChildren(new Option("—", "")); }
  });

  // data-swap-statuses="400 429": these answers carry a form with its errors to show in place,
  // not a failure, so htmx swaps them in like a 200.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var holder = event.target.closest("[data-swap-statuses]");
    if (!holder) { return; }
    var statuses = holder.dataset.swapStatuses.split(" ");
    if (statuses.indexOf(String(event.detail.xhr.status)) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
