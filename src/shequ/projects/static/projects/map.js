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
      renderer: renderer,
      style: { color: "#b02a37", weight: 1, fillColor: "#fde2e1", fillOpacity: 0.35 },
      onEachFeature: function (f, l) {
        // English pages name the district in English when it has an English name.
        var en = document.documentElement.lang.indexOf("en") === 0 && f.properties.name_en;
        l.bindTooltip(en || f.properties.name);
      }
    }).addTo(map);
    layer.on("click", tapAt);  // a tap on a district does not reach the map
    layer.bringToBack();
    el.dataset.districtCount = geo.features.length;
    if (!el.dataset.fitted) { map.fitBounds(layer.getBounds(), { animate: false }); }
    drawn();
  });
  // 20,000 projects as Leaflet layers cost ~20k objects, listeners and projections before the
  // first paint; one canvas of plain dots, redrawn when the view settles, costs a loop.
  var Dots = L.Layer.extend({
    initialize: function (points) { this._points = points; },
    onAdd: function (m) {
      this._canvas = L.DomUtil.create("canvas", "shequ-dots");
      this._canvas.style.pointerEvents = "none";  // taps go to the map (see tapAt)
      m.getPanes().overlayPane.appendChild(this._canvas);
      m.on("moveend zoomend resize viewreset", this._draw, this);
      m.on("zoomstart", this._hide, this);
      this._draw();
    },
    onRemove: function (m) {
      m.off("moveend zoomend resize viewreset", this._draw, this);
      m.off("zoomstart", this._hide, this);
      L.DomUtil.remove(this._canvas);
    },
    _hide: function () { this._canvas.style.visibility = "hidden"; },
    _draw: function () {
      var m = this._map, size = m.getSize(), canvas = this._canvas, ratio = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(canvas, m.containerPointToLayerPoint([0, 0]));
      canvas.width = size.x * ratio; canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px"; canvas.style.height = size.y + "px";
      canvas.style.visibility = "visible";
      var ctx = canvas.getContext("2d"), points = this._points, n = points.length;
      ctx.scale(ratio, ratio);
      var xy = this._xy = new Float32Array(n * 2), byColour = {};
      for (var i = 0; i < n; i++) {
        var p = points[i], c = m.latLngToContainerPoint([p[2], p[1]]);
        xy[2 * i] = c.x; xy[2 * i + 1] = c.y;
        if (c.x < -5 || c.y < -5 || c.x > size.x + 5 || c.y > size.y + 5) { continue; }
        (byColour[p[3]] = byColour[p[3]] || []).push(i);
      }
      ctx.lineWidth = 1; ctx.strokeStyle = "#fff"; ctx.globalAlpha = 0.9;
      Object.keys(byColour).forEach(function (status) {
        ctx.fillStyle = colours[status] || "#dc3545";
        ctx.beginPath();
        byColour[status].forEach(function (j) {
          ctx.moveTo(xy[2 * j] + 4, xy[2 * j + 1]);
          ctx.arc(xy[2 * j], xy[2 * j + 1], 4, 0, 2 * Math.PI);
        });
        ctx.fill(); ctx.stroke();
      });
    },
    nearest: function (point, radius) {
      var xy = this._xy, best = -1, bestD = radius * radius;
      for (var i = 0; xy && i < this._points.length; i++) {
        var dx = xy[2 * i] - point.x, dy = xy[2 * i + 1] - point.y, d = dx * dx + dy * dy;
        if (d <= bestD) { best = i; bestD = d; }
      }
      return best < 0 ? null : this._points[best][0];
    }
  });
  var dots = null;
  function tapAt(e) {
    var code = dots && dots.nearest(e.containerPoint, 12);
    if (code) { window.location.href = el.dataset.detail.replace("CODE", encodeURIComponent(code)); }
  }
  map.on("click", tapAt);
  fetch(el.dataset.points).then(function (r) { return r.json(); }).then(function (data) {
    var points = data.points, bounds = [];
    document.querySelector("[data-testid=map-count]").textContent = points.length;
    if (points.length && points.length < 500) {
      for (var i = 0; i < points.length; i++) { bounds.push([points[i][2], points[i][1]]); }
      el.dataset.fitted = "1";
      map.fitBounds(bounds, { maxZoom: 14, animate: false });
    }
    dots = new Dots(points).addTo(map);
    drawn();
  });
})();
