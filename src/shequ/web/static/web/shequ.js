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

  // <table class="reflow">: on a phone each row becomes a card (web/shequ.css), each cell
  // labelled with its column's header, copied here into data-label unless the template set it.
  function labelReflowTables(root) {
    root.querySelectorAll("table.reflow").forEach(function (table) {
      var headerRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
      if (!headerRow) { return; }
      var labels = [];
      Array.prototype.forEach.call(headerRow.cells, function (th) {
        for (var i = 0; i < (th.colSpan || 1); i++) { labels.push(th.textContent.trim()); }
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) { labelRow(row, labels); });
      });
      if (table.tFoot) {
        Array.prototype.forEach.call(table.tFoot.rows, function (row) { labelRow(row, labels); });
      }
    });
  }

  function labelRow(row, labels) {
    var column = 0;
    Array.prototype.forEach.call(row.cells, function (cell) {
      var label = labels[column];
      if (!cell.hasAttribute("data-label") && label && (cell.colSpan || 1) === 1) {
        cell.setAttribute("data-label", label);
      }
      column += cell.colSpan || 1;
    });
  }

  labelReflowTables(document);
  document.addEventListener("htmx:afterSettle", function () { labelReflowTables(document); });

  // <form data-confirm-dialog="What happens…"> (or the same on one of its submit buttons): an
  // irreversible step. A <dialog> states the consequence; only "confirm" submits, with
  // confirm=1. The server asks again on its own page when the script did not run
  // (web/confirmations.py), so this is a shortcut, not the safeguard.
  var confirmDialog = null;

  function dialogFor() {
    if (confirmDialog) { return confirmDialog; }
    confirmDialog = document.createElement("dialog");
    confirmDialog.className = "confirm-dialog";
    confirmDialog.setAttribute("data-testid", "confirm-dialog");
    var title = document.createElement("h2");
    title.className = "h5";
    var text = document.createElement("p");
    text.setAttribute("data-testid", "confirm-dialog-text");
    var buttons = document.createElement("div");
    buttons.className = "d-flex flex-wrap gap-2 justify-content-end";
    var no = document.createElement("button");
    no.type = "button";
    no.className = "btn btn-outline-secondary";
    no.setAttribute("data-testid", "confirm-dialog-no");
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "btn btn-danger";
    yes.setAttribute("data-testid", "confirm-dialog-yes");
    buttons.append(no, yes);
    confirmDialog.append(title, text, buttons);
    no.addEventListener("click", function () { confirmDialog.close(); });
    document.body.append(confirmDialog);
    return confirmDialog;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    var source = submitter && submitter.hasAttribute("data-confirm-dialog") ? submitter : form;
    if (!source.hasAttribute("data-confirm-dialog")) { return; }
    var given = form.querySelector("input[name=confirm]");
    if (given && given.value === "1") { return; }
    if (typeof HTMLDialogElement !== "function") { return; }  // the server page asks instead
    event.preventDefault();
    var dialog = dialogFor();
    dialog.querySelector("h2").textContent = source.dataset.confirmTitle || "";
    dialog.querySelector("p").textContent = source.dataset.confirmDialog;
    var no = dialog.querySelector("[data-testid=confirm-dialog-no]");
    no.textContent = source.dataset.confirmNo || "Cancel";
    var oldYes = dialog.querySelector("[data-testid=confirm-dialog-yes]");
    var yes = oldYes.cloneNode(false);  // drop the listener of the previous form
    yes.textContent = source.dataset.confirmYes || "OK";
    oldYes.replaceWith(yes);
    yes.addEventListener("click", function () {
      dialog.close();
      if (!given) {
        given = document.createElement("input");
        given.type = "hidden";
        given.name = "confirm";
        form.append(given);
      }
      given.value = "1";
      if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
    });
    dialog.showModal();
  });
})();
