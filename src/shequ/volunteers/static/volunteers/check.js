// The check-in page: share the phone's position with the server, which checks the geofence.
// The scan is sent in the background and only its answer comes back (the rush of scans when an
// activity starts); if that fails the form is posted the plain way and the page answers.
(function () {
  "use strict";
  var form = document.querySelector("[data-checkin-form]");
  if (!form) { return; }
  var sending = false;

  function alertBox(kind, testid, text) {
    var box = document.createElement("div");
    box.className = "alert alert-" + kind;
    box.setAttribute("role", kind === "success" ? "status" : "alert");
    box.dataset.testid = testid;
    box.textContent = text;
    return box;
  }

  function show(answer) {
    var old = document.querySelector("[data-testid=check-error]");
    if (old) { old.remove(); }
    if (!answer.ok) {
      form.parentNode.insertBefore(alertBox("warning", "check-error", answer.message), form);
      sending = false;
      return;
    }
    var link = document.createElement("a");
    link.className = "btn btn-outline-danger w-100";
    link.href = answer.hours_url;
    link.textContent = form.dataset.labelHours || "";
    form.replaceWith(alertBox("success", "check-result", answer.message), link);
  }

  function post() {
    sending = true;
    fetch(window.location.href, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json();
    }).then(show).catch(function () { form.submit(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) { return; }
    var status = form.querySelector("[data-location-status]");
    if (!navigator.geolocation) { post(); return; }
    if (status) { status.textContent = status.getAttribute("data-waiting") || status.textContent; }
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("#id_latitude").value = position.coords.latitude;
      form.querySelector("#id_longitude").value = position.coords.longitude;
      post();
    }, post, { enableHighAccuracy: true, timeout: 10000, maximumAge: 0 });
  });
})();
