// Public map of requests: district boundaries, requests as canvas dots (red open, green
// handled); a tap opens the nearest request.
(function () {
  "use strict";
  var el = document.getElementById("appeal-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5 }).setView([30.67, 104.06], 9);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  var renderer = L.canvas({ padding: 0.3 });
  var points = [];
  var pending = 2;
  function drawn() {
    pending -= 1;
    if (pending === 0) {
      requestAnimationFrame(function () { el.dataset.ready = "1"; });
    }
  }
  fetch(el.dataset.districts).then(function (r) { return r.json(); }).then(function (geo) {
    L.geoJSON(geo, { renderer: renderer, interactive: false,
      style: { color: "#b02a37", weight: 1, fillColor: "#fde2e1", fillOpacity: 0.3 } }).addTo(map);
    drawn();
  });
  var Dots = L.Layer.extend({
    onAdd: function (m) {
      this._canvas = L.DomUtil.create("canvas", "");
      this._canvas.style.pointerEvents = "none";
      m.getPanes().overlayPane.appendChild(this._canvas);
      m.on("moveend zoomend resize viewreset", this._draw, this);
      this._draw();
    },
    onRemove: function (m) { m.off("moveend zoomend resize viewreset", this._draw, this); L.DomUtil.remove(this._canvas); },
    _draw: function () {
      var m = this._map, size = m.getSize(), c = this._canvas, ratio = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(c, m.containerPointToLayerPoint([0, 0]));
      c.width = size.x * ratio; c.height = size.y * ratio;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
      var ctx = c.getContext("2d");
      ctx.scale(ratio, ratio);
      [[0, "#198754"], [1, "#dc3545"]].forEach(function (pair) {
        ctx.fillStyle = pair[1];
        ctx.beginPath();
        for (var i = 0; i < points.length; i++) {
          var p = points[i];
          if (p[3] !== pair[0]) { continue; }
          var xy = m.latLngToContainerPoint([p[2], p[1]]);
          if (xy.x < -5 || xy.y < -5 || xy.x > size.x + 5 || xy.y > size.y + 5) { continue; }
          ctx.moveTo(xy.x + 4, xy.y);
          ctx.arc(xy.x, xy.y, 4, 0, 2 * Math.PI);
        }
        ctx.fill();
      });
    }
  });
  fetch(el.dataset.points).then(function (r) { return r.json(); }).then(function (data) {
    points = data.points;
    document.querySelector("[data-testid=map-count]").textContent = points.length;
    el.dataset.count = points.length;
    new Dots().addTo(map);
    drawn();
  });
  map.on("click", function (e) {
    var best = null, bestD = 400;
    var at = map.latLngToContainerPoint(e.latlng);
    points.forEach(function (p) {
      var xy = map.latLngToContainerPoint([p[2], p[1]]);
      var d = (xy.x - at.x) * (xy.x - at.x) + (xy.y - at.y) * (xy.y - at.y);
      if (d < bestD) { best = p; bestD = d; }
    });
    if (best) { window.location.href = el.dataset.detail.replace("/0/", "/" + best[0] + "/"); }
  });
})();
