// Walk-time map: district boundaries as the base layer (no tile server), network nodes as
// canvas dots coloured by minutes to the nearest facility of the chosen category.
(function () {
  "use strict";
  var el = document.getElementById("access-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5 }).setView([30.67, 104.07], 12);
  var renderer = L.canvas({ padding: 0.3 });
  function colour(m) {
    if (m === null) { return "#dc3545"; }
    if (m <= 5) { return "#198754"; }
    if (m <= 10) { return "#9acd32"; }
    return "#fd7e14";
  }
  fetch(el.dataset.districts).then(function (r) { return r.json(); }).then(function (geo) {
    var layer = L.geoJSON(geo, {
      style: { color: "#6c757d", weight: 1, fillColor: "#f8f9fa", fillOpacity: 0.4 },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); }
    }).addTo(map);
    layer.bringToBack();
  });
  fetch(el.dataset.nodes, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var bounds = [];
    for (var i = 0; i < data.lon.length; i++) {
      var m = data.minutes[i];
      L.circleMarker([data.lat[i], data.lon[i]], { renderer: renderer, radius: 2, stroke: false,
        fillColor: colour(m), fillOpacity: 0.85 })
        .bindTooltip(m === null ? "—" : m + " min").addTo(map);
      bounds.push([data.lat[i], data.lon[i]]);
    }
    document.querySelector("[data-testid=map-count]").textContent = data.lon.length;
    if (bounds.length === 0) {
      document.querySelector("[data-testid=map-empty]").classList.remove("d-none");
    } else if (bounds.length === 1) {
      // fitBounds on a single point zooms in until nothing around it is recognisable.
      map.setView(bounds[0], 16);
    } else {
      map.fitBounds(bounds);
    }
    el.dataset.ready = "1";
  });
})();
