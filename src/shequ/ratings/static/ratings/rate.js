// Rating form: show only the reasons that belong to the chosen level (the server checks too).
(function () {
  "use strict";
  var form = document.querySelector("[data-rating-form]");
  if (!form) {
    return;
  }
  function update() {
    var chosen = form.querySelector("input[name=level]:checked");
    var level = chosen ? chosen.value : "";
    form.querySelectorAll("[data-levels]").forEach(function (row) {
      var show = level !== "" && row.getAttribute("data-levels").split(" ").indexOf(level) >= 0;
      row.classList.toggle("d-none", !show);
      if (!show) {
        row.querySelector("input").checked = false;
      }
    });
  }
  form.querySelectorAll("input[name=level]").forEach(function (input) {
    input.addEventListener("change", update);
  });
  update();
})();
