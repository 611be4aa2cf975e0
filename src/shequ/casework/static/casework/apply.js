// Application forms: an item with a condition ("show if <field> is <value>") is hidden
// while the condition is not met. Without this script every item shows, with its
// condition in words; the server ignores the answers of items not asked.
(function () {
  "use strict";
  var data = document.getElementById("form-conditions");
  var form = document.querySelector("form[data-application-form]");
  if (!data || !form) return;
  var conditions = JSON.parse(data.textContent);

  function values(name) {
    var found = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (el) {
      if (el.type === "checkbox") {
        found.push(el.checked ? "true" : "false");
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { found.push(o.value); });
      } else {
        found.push(el.value);
      }
    });
    return found;
  }

  function box(name) {
    var el = form.querySelector('[name="' + name + '"]');
    return el ? el.closest(".mb-3") : null;
  }

  function update() {
    Object.keys(conditions).forEach(function (name) {
      var rule = conditions[name];
      var shown = values(rule.field).indexOf(rule.equals) !== -1;
      var target = box(name);
      if (target) target.hidden = !shown;
      form.querySelectorAll('[name^="' + name + '__"]').forEach(function (el) {
        var part = el.closest(".mb-3");
        if (part) part.hidden = !shown;
      });
    });
  }

  form.addEventListener("change", update);
  update();
})();
