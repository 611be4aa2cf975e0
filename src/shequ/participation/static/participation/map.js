// Proposals on a map: district boundaries as the base (no tile server needed), tiles when the
// deployment has them, one circle per proposal with a point; a tap opens the proposal.
(function () {
  "use strict";
  var el = document.getElementById("proposal-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { zoomSnap: 0.5 }).setView([30.67, 104.06], 10);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  fetch(el.dataset.districts).then(function (r) { return r.json(); }).then(function (geo) {
    L.geoJSON(geo, { style: { color: "#b02a37", weight: 1, fillColor: "#fde2e1", fillOpacity: 0.3 } })
      .addTo(map).bringToBack();
  }).catch(function () { /* the points still show */ });
  fetch(el.dataset.points).then(function (r) { return r.json(); }).then(function (data) {
    var bounds = [];
    data.points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#fff", weight: 1,
        fillColor: "#dc3545", fillOpacity: 0.9 }).addTo(map);
      var link = document.createElement("a");
      link.href = el.dataset.detail.replace("/0/", "/" + p.id + "/");
      link.textContent = p.title + " (" + p.supports + ")";
      marker.bindPopup(link);
      bounds.push([p.lat, p.lon]);
    });
    var count = document.querySelector("[data-testid=map-count]");
    if (count) { count.textContent = data.points.length; }
    if (bounds.length) { map.fitBounds(bounds, { maxZoom: 15, padding: [20, 20] }); }
    el.dataset.ready = "1";
  });
}());
