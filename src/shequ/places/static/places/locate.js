// Division page: place the service centre on a map instead of typing coordinates. District
// boundaries are the base layer (no tile server on a government intranet); a tap or a dragged
// marker fills the longitude and latitude fields, which the server still validates.
(function () {
  "use strict";
  var el = document.getElementById("locate-map");
  if (!el || !window.L) { return; }
  var lonInput = document.getElementById("id_longitude");
  var latInput = document.getElementById("id_latitude");
  if (!lonInput || !latInput) { return; }
  var map = L.map(el, { zoomSnap: 0.5 }).setView([30.67, 104.07], 10);
  var marker = null;
  function place(lat, lon, pan) {
    var point = [lat, lon];
    if (marker) { marker.setLatLng(point); } else {
      marker = L.marker(point, { draggable: true }).addTo(map);
      marker.on("dragend", function () {
        var p = marker.getLatLng();
        fill(p.lat, p.lng);
      });
    }
    if (pan) { map.setView(point, Math.max(map.getZoom(), 15)); }
  }
  function fill(lat, lon) {
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    lonInput.dispatchEvent(new Event("change"));
  }
  map.on("click", function (e) {
    place(e.latlng.lat, e.latlng.lng, false);
    fill(e.latlng.lat, e.latlng.lng);
  });
  fetch(el.dataset.districts).then(function (r) { return r.json(); }).then(function (geo) {
    var layer = L.geoJSON(geo, {
      filter: function (f) { return !el.dataset.district || f.properties.code === el.dataset.district; },
      style: { color: "#6c757d", weight: 1, fillColor: "#f8f9fa", fillOpacity: 0.4 }
    }).addTo(map);
    var lon = parseFloat(lonInput.value), lat = parseFloat(latInput.value);
    if (isFinite(lon) && isFinite(lat)) {
      place(lat, lon, true);
    } else if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds());
    }
    el.dataset.ready = "1";
  });
  var here = document.getElementById("locate-here");
  if (here && navigator.geolocation) {
    here.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        place(pos.coords.latitude, pos.coords.longitude, true);
        fill(pos.coords.latitude, pos.coords.longitude);
      });
    });
  } else if (here) {
    here.classList.add("d-none");
  }
})();
