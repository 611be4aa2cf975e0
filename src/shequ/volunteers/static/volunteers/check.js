// The check-in page: share the phone's position with the server, which checks the geofence.
(function () {
  "use strict";
  var form = document.querySelector("[data-checkin-form]");
  if (!form) { return; }
  var sending = false;
  form.addEventListener("submit", function (event) {
    if (sending) { return; }
    event.preventDefault();
    var status = form.querySelector("[data-location-status]");
    var send = function () { sending = true; form.submit(); };
    if (!navigator.geolocation) { send(); return; }
    if (status) { status.textContent = status.getAttribute("data-waiting") || status.textContent; }
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("#id_latitude").value = position.coords.latitude;
      form.querySelector("#id_longitude").value = position.coords.longitude;
      send();
    }, send, { enableHighAccuracy: true, timeout: 10000, maximumAge: 0 });
  });
})();
