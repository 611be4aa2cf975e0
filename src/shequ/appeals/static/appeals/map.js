// Public map of requests: district boundaries, requests as canvas dots (red open, green
// handled); a tap opens the nearest request. The points come as compact columns (ids as
// differences, coordinates as whole 1/100,000 degrees); each is projected once (Web Mercator
// at zoom 0, as Leaflet's EPSG:3857) and every redraw only scales and shifts, drawing one dot
// per 2-pixel cell. The map element gets data-ready="1" once boundaries and dots are drawn.
(function () {
  "use strict";
  var el = document.getElementById("appeal-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5 }).setView([30.67, 104.06], 9);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
  var renderer = L.canvas({ padding: 0.3 });
  var n = 0, ids = null, px = null, py = null, open = null;
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
  }, drawn);

  function load(data) {
    n = data.count;
    ids = new Float64Array(n); px = new Float64Array(n); py = new Float64Array(n);
    open = new Uint8Array(n);
    var west = data.origin[0], south = data.origin[1], scale = data.scale;
    var id = 0, lat, s;
    for (var i = 0; i < n; i++) {
      id += data.ids[i];
      ids[i] = id;
      open[i] = data.open[i];
      // Web Mercator at zoom 0 (256 px for the world), as L.CRS.EPSG3857.
      px[i] = 256 * ((west + data.lon[i] / scale) + 180) / 360;
      lat = (south + data.lat[i] / scale) * Math.PI / 180;
      s = Math.sin(lat);
      py[i] = 256 * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI));
    }
  }

  // From zoom-0 pixels to the map container's pixels now: x * k - dx, y * k - dy.
  function view(m) {
    var k = m.options.crs.scale(m.getZoom()) / 256;
    var origin = m.getPixelOrigin(), topLeft = m.containerPointToLayerPoint([0, 0]);
    return { k: k, dx: origin.x + topLeft.x, dy: origin.y + topLeft.y };
  }

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
      var v = view(m), w = size.x, h = size.y;
      var cols = Math.ceil((w + 10) / 2) + 1, rows = Math.ceil((h + 10) / 2) + 1;
      [[0, "#198754"], [1, "#dc3545"]].forEach(function (pair) {
        var seen = new Uint8Array(cols * rows);
        ctx.fillStyle = pair[1];
        ctx.beginPath();
        for (var i = 0; i < n; i++) {
          if (open[i] !== pair[0]) { continue; }
          var x = px[i] * v.k - v.dx, y = py[i] * v.k - v.dy;
          if (x < -5 || y < -5 || x > w + 5 || y > h + 5) { continue; }
          var cell = ((y + 5) >> 1) * cols + ((x + 5) >> 1);
          if (seen[cell]) { continue; }
          seen[cell] = 1;
          ctx.moveTo(x + 4, y);
          ctx.arc(x, y, 4, 0, 2 * Math.PI);
        }
        ctx.fill();
      });
    }
  });
  fetch(el.dataset.points).then(function (r) { return r.json(); }).then(function (data) {
    load(data);
    document.querySelector("[data-testid=map-count]").textContent = n;
    el.dataset.count = n;
    new Dots().addTo(map);
    drawn();
  });
  map.on("click", function (e) {
    var best = -1, bestD = 400;
    var at = map.latLngToContainerPoint(e.latlng), v = view(map);
    for (var i = 0; i < n; i++) {
      var dx = px[i] * v.k - v.dx - at.x, dy = py[i] * v.k - v.dy - at.y;
      var d = dx * dx + dy * dy;
      if (d < bestD) { best = i; bestD = d; }
    }
    if (best >= 0) { window.location.href = el.dataset.detail.replace("/0/", "/" + ids[best] + "/"); }
  });
})();
