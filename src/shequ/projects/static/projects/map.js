// Public project map: district boundaries as the base layer (no tile server needed), an
// optional tile layer when the deployment configures one, projects as canvas dots.
(function () {
  "use strict";
  var el = document.getElementById("project-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5 }).setView([30.67, 104.06], 9);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  }
  var colours = { planned: "#6c757d", approved: "#0d6efd", construction: "#fd7e14",
                  completed: "#198754", accepted: "#20c997" };
  var renderer = L.canvas({ padding: 0.3 });
  var pending = 2;
  function drawn() {
    // Both layers are on the map: tests and the benchmark wait for this flag.
    pending -= 1;
    if (pending === 0) {
      // The canvas paints on the next animation frame: flag after it.
      requestAnimationFrame(function () {
        requestAnimationFrame(function () {
          el.dataset.ready = "1";
          window.shequMapReady = true;
        });
      });
    }
  }
  fetch(el.dataset.districts).then(function (r) { return r.json(); }).then(function (geo) {
    var layer = L.geoJSON(geo, {
      renderer: renderer,  // one canvas for boundaries and dots: taps reach the dots
      style: { color: "#b02a37", weight: 1, fillColor: "#fde2e1", fillOpacity: 0.35 },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); }
    }).addTo(map);
    layer.bringToBack();
    el.dataset.districtCount = geo.features.length;
    if (!el.dataset.fitted) { map.fitBounds(layer.getBounds()); }
    drawn();
  });
  fetch(el.dataset.points).then(function (r) { return r.json(); }).then(function (data) {
    var points = data.points, bounds = [];
    for (var i = 0; i < points.length; i++) {
      var p = points[i];
      var m = L.circleMarker([p[2], p[1]], { renderer: renderer, radius: 4, weight: 1,
        color: "#fff", fillColor: colours[p[3]] || "#dc3545", fillOpacity: 0.9 });
      m.code = p[0];
      m.on("click", function (e) {
        window.location.href = el.dataset.detail.replace("CODE", encodeURIComponent(e.target.code));
      });
      m.addTo(map);
      bounds.push([p[2], p[1]]);
    }
    document.querySelector("[data-testid=map-count]").textContent = points.length;
    if (bounds.length && bounds.length < 500) { el.dataset.fitted = "1"; map.fitBounds(bounds, { maxZoom: 14 }); }
    drawn();
  });
})();
