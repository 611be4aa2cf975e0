// The console pickers (web/pickers.py). Division picker: the server sends a plain list of the
// divisions the staff member may choose (it works without JavaScript); here it becomes the
// district -> street -> community cascade, fed by the children endpoint. Person picker: a name
// search (POST, so no name lands in a URL) whose result sets the hidden resident id.
(function () {
  "use strict";

  var LEVELS = ["district", "street", "community"];
  var DIGITS = { district: 6, street: 9, community: 12 };

  function ancestor(code, level) {
    var n = DIGITS[level];
    return code.slice(0, n) + "000000000000".slice(0, 12 - n);
  }

  function levelOf(code) {
    if (/000000$/.test(code)) { return "district"; }
    if (/000$/.test(code)) { return "street"; }
    return "community";
  }

  function children(url, parent) {
    return fetch(url + "?parent=" + encodeURIComponent(parent || ""), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : { results: [] };
    }).then(function (data) { return data.results || []; });
  }

  function fill(select, items) {
    select.replaceChildren(new Option("—", ""));
    items.forEach(function (item) { select.add(new Option(item.name, item.code)); });
  }

  function setUpDivisionPicker(root) {
    var real = root.querySelector("select");
    if (!real || root.dataset.ready) { return; }
    root.dataset.ready = "1";
    var url = root.dataset.childrenUrl;
    var target = root.dataset.level;
    var multiple = root.hasAttribute("data-multiple");
    var depth = multiple ? 2 : (target ? LEVELS.indexOf(target) + 1 : 3);
    var fieldLabel = document.querySelector("label[for='" + real.id + "']");
    var box = document.createElement("div");
    var steps = [];
    for (var i = 0; i < depth; i++) {
      var level = LEVELS[i];
      var label = document.createElement("label");
      label.className = "form-label small mb-1";
      label.htmlFor = real.id + "_" + level;
      label.textContent = root.dataset["label" + level.charAt(0).toUpperCase() + level.slice(1)];
      var select = document.createElement("select");
      select.className = "form-select mb-2";
      select.id = real.id + "_" + level;
      select.dataset.step = level;
      select.add(new Option("—", ""));
      if (i === depth - 1 && !multiple && target && fieldLabel) {
        // The field's own label names the last step (the division the form asks for).
        box.appendChild(fieldLabel);
        fieldLabel.htmlFor = select.id;
      } else {
        box.appendChild(label);
      }
      box.appendChild(select);
      steps.push(select);
    }
    if (fieldLabel && fieldLabel.parentNode !== box) { fieldLabel.htmlFor = steps[0].id; }
    root.insertBefore(box, real);
    // The browser cannot ask for a hidden control: the visible last step asks instead, once the
    // cascade has loaded (until then the server's choice stands and may be submitted).
    var askLast = real.required && target && !multiple;
    real.required = false;
    real.classList.add("d-none");
    real.setAttribute("aria-hidden", "true");
    real.tabIndex = -1;

    var boxes = null;
    var chosenList = null;
    if (multiple) {
      chosenList = document.createElement("div");
      chosenList.className = "mb-2";
      chosenList.dataset.testid = "chosen-divisions";
      boxes = document.createElement("div");
      boxes.className = "mb-2";
      boxes.dataset.testid = "division-checkboxes";
      root.insertBefore(chosenList, box);
      root.insertBefore(boxes, real);
    }

    function optionFor(code) {
      return Array.prototype.find.call(real.options, function (o) { return o.value === code; });
    }

    function showChosen() {
      if (!chosenList) { return; }
      chosenList.replaceChildren();
      var picked = Array.prototype.filter.call(real.options, function (o) { return o.selected && o.value; });
      var heading = document.createElement("div");
      heading.className = "small text-secondary";
      heading.textContent = root.dataset.labelChosen + (picked.length ? "" : ": " + root.dataset.labelNone);
      chosenList.appendChild(heading);
      picked.forEach(function (option) {
        var chip = document.createElement("span");
        chip.className = "badge text-bg-light border me-1 mb-1 fw-normal";
        chip.dataset.testid = "chosen-division";
        chip.textContent = option.text + " ";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn-close btn-close-sm align-middle";
        remove.setAttribute("aria-label", root.dataset.labelRemove + " " + option.text);
        remove.addEventListener("click", function () {
          option.selected = false;
          showChosen();
          syncBoxes();
        });
        chip.appendChild(remove);
        chosenList.appendChild(chip);
      });
    }

    function syncBoxes() {
      if (!boxes) { return; }
      boxes.querySelectorAll("input[type=checkbox]").forEach(function (input) {
        var option = optionFor(input.value);
        input.checked = !!(option && option.selected);
      });
    }

    function showBoxes(items) {
      boxes.replaceChildren();
      items.forEach(function (item) {
        var option = optionFor(item.code);
        if (!option) { return; }
        var wrap = document.createElement("div");
        wrap.className = "form-check";
        var input = document.createElement("input");
        input.type = "checkbox";
        input.className = "form-check-input";
        input.id = real.id + "_pick_" + item.code;
        input.value = item.code;
        input.checked = option.selected;
        input.addEventListener("change", function () {
          option.selected = input.checked;
          showChosen();
        });
        var label = document.createElement("label");
        label.className = "form-check-label";
        label.htmlFor = input.id;
        label.textContent = item.name;
        wrap.appendChild(input);
        wrap.appendChild(label);
        boxes.appendChild(wrap);
      });
    }

    // While the cascade walks down to the server's preselected division, the hidden control
    // keeps that value: a quick submit must not send a half-built choice.
    var settling = true;
    function settled() {
      settling = false;
      if (askLast) { steps[steps.length - 1].required = true; }
      update();
      root.dataset.loaded = "1";
    }

    function update() {
      if (multiple || settling) { return; }
      var value = "";
      steps.forEach(function (step) { if (step.value) { value = step.value; } });
      if (target && steps[steps.length - 1].value === "") { value = ""; }
      real.value = value;
    }

    // Loads the options of step `index` under `parent`, chooses `wanted` (or the only option),
    // then goes on down.
    var tickets = [];
    function load(index, parent, wanted) {
      // Only the latest request for a step fills it (a quick second choice wins).
      var ticket = (tickets[index] = (tickets[index] || 0) + 1);
      return children(url, parent).then(function (items) {
        if (tickets[index] !== ticket) { return; }
        if (index >= steps.length) {
          if (boxes) { showBoxes(items); }
          settled();
          return;
        }
        var step = steps[index];
        fill(step, items);
        for (var j = index + 1; j < steps.length; j++) { fill(steps[j], []); }
        if (boxes) { boxes.replaceChildren(); }
        var pick = wanted && wanted[index];
        if (!pick && items.length === 1 && (target || multiple || index < steps.length - 1)) {
          pick = items[0].code;
        }
        if (pick && items.some(function (item) { return item.code === pick; })) {
          step.value = pick;
          update();
          return load(index + 1, pick, wanted);
        }
        if (settling) { settled(); } else { update(); }
      });
    }

    steps.forEach(function (step, index) {
      step.addEventListener("change", function () {
        if (settling) { settled(); }
        for (var j = index + 1; j <= steps.length; j++) { tickets[j] = (tickets[j] || 0) + 1; }
        for (j = index + 1; j < steps.length; j++) { fill(steps[j], []); }
        if (boxes) { boxes.replaceChildren(); }
        update();
        if (step.value) { load(index + 1, step.value, null); }
      });
    });

    var wanted = null;
    if (!multiple && real.value) {
      wanted = LEVELS.slice(0, LEVELS.indexOf(levelOf(real.value)) + 1).map(function (level) {
        return ancestor(real.value, level);
      });
    }
    showChosen();
    load(0, "", wanted);
  }

  function csrfToken(element) {
    var form = element.closest("form");
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setUpPersonPicker(root) {
    if (root.dataset.ready) { return; }
    root.dataset.ready = "1";
    var query = root.querySelector("[data-person-query]");
    var button = root.querySelector("[data-person-search]");
    var results = root.querySelector("[data-person-results]");
    var picked = root.querySelector("[data-picked]");
    var pickedId = root.querySelector("[data-picked-id]");

    function note(text) {
      var line = document.createElement("div");
      line.className = "list-group-item small text-secondary";
      line.textContent = text;
      results.appendChild(line);
    }

    function search() {
      var body = new FormData();
      body.append("q", query.value);
      body.append("community", root.dataset.community || "");
      results.replaceChildren();
      fetch(root.dataset.searchUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(root), Accept: "application/json" },
        body: body
      }).then(function (response) {
        if (!response.ok && response.status !== 400) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        results.replaceChildren();
        if (!data.results.length) { note(data.error || root.dataset.labelNone); }
        data.results.forEach(function (person) {
          var item = document.createElement("button");
          item.type = "button";
          item.className = "list-group-item list-group-item-action";
          item.dataset.testid = "person-result";
          item.textContent = [person.name, person.id_masked || "—", person.community].join(" · ");
          item.addEventListener("click", function () {
            pickedId.value = String(person.id);
            picked.textContent = item.textContent;
            picked.classList.remove("d-none");
            results.replaceChildren();
          });
          results.appendChild(item);
        });
        if (data.more) { note(root.dataset.labelMore); }
      }).catch(function () {
        results.replaceChildren();
        note(root.dataset.labelFailed);
      });
    }

    button.addEventListener("click", search);
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        search();
      }
    });
  }

  function setUp(scope) {
    scope.querySelectorAll("[data-division-picker]").forEach(setUpDivisionPicker);
    scope.querySelectorAll("[data-person-picker]").forEach(setUpPersonPicker);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) { setUp(event.target); });
})();
