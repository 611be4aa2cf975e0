// The public dashboards' map: district boundaries on a plain background (no tiles), coloured
// by the figure picked (the city's map), or the district's outline with its divisions as points
// (a district, a street, a community). Every value comes from the page's frozen figures
// (#dashboard-map-data): a number, null (suppressed: drawn as suppressed, never as a value) or
// "" (no data). A tap opens the division's dashboard. The map element gets data-ready="1"
// once the boundaries and points are drawn; without script the section stays hidden.
(function () {
  "use strict";
  var box = document.getElementById("dashboard-map");
  var source = document.getElementById("dashboard-map-data");
  var section = document.getElementById("dashboard-map-section");
  if (!box || !source || !section || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  section.hidden = false;

  var PALETTE = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  var SUPPRESSED = "#495057";
  var NO_DATA = "#ffffff";
  var OWN = "#ffc107";
  var legend = document.getElementById("dashboard-map-legend");
  var picker = document.getElementById("dashboard-map-metric");
  var map = L.map(box, { zoomSnap: 0.25, scrollWheelZoom: false, attributionControl: false });
  map.setView([30.67, 104.06], 8, { animate: false });  // Chengdu, until the bounds are known
  var areas = {}, points = [], items = data.items, chosen = 0;
  items.forEach(function (item) { if (item.kind === "area") { areas[item.code] = item; } });

  function valueOf(item) {
    if (!item.values || !data.metrics.length) { return ""; }
    return item.values[chosen];
  }

  // Five equal steps between the smallest and largest value of the divisions below (the
  // division's own total is not their peer; suppressed cells are not values and take no part).
  function coloured(item) { return item.kind === "area" || item.kind === "child"; }
  function scale() {
    var numbers = items.filter(coloured).map(valueOf)
      .filter(function (v) { return typeof v === "number"; });
    if (!numbers.length) { return null; }
    var low = Math.min.apply(null, numbers), high = Math.max.apply(null, numbers);
    return { low: low, step: (high - low) / PALETTE.length };
  }

  function colour(value, s) {
    if (value === null) { return SUPPRESSED; }
    if (typeof value !== "number" || !s) { return NO_DATA; }
    var i = s.step > 0 ? Math.floor((value - s.low) / s.step) : PALETTE.length - 1;
    return PALETTE[Math.max(0, Math.min(PALETTE.length - 1, i))];
  }

  function shown(value) {
    if (value === null) { return "*"; }
    if (typeof value !== "number") { return "—"; }
    return String(Math.round(value * 10) / 10);
  }

  function label(item) {
    var text = item.name;
    if (item.values && data.metrics.length) { text += ": " + shown(valueOf(item)); }
    return text;
  }

  function swatch(fill, text) {
    var entry = document.createElement("span");
    var square = document.createElement("span");
    square.className = "dashboard-map-swatch";
    square.style.background = fill;
    entry.appendChild(square);
    entry.appendChild(document.createTextNode(text));
    legend.appendChild(entry);
  }

  function drawLegend(s) {
    legend.textContent = "";
    if (points.some(function (p) { return p.item.kind === "own"; })) {
      swatch(OWN, legend.dataset.own);
    }
    if (!data.metrics.length) { return; }
    if (s) {
      PALETTE.forEach(function (fill, i) {
        if (s.step === 0 && i < PALETTE.length - 1) { return; }
        var from = s.low + i * s.step, to = s.low + (i + 1) * s.step;
        swatch(fill, s.step === 0 ? shown(s.low) : shown(from) + "–" + shown(to));
      });
    }
    swatch(SUPPRESSED, "* " + legend.dataset.suppressed);
    swatch(NO_DATA, "— " + legend.dataset.noData);
  }

  var outline = null;
  function paint() {
    var s = scale();
    if (outline) {
      outline.eachLayer(function (layer) {
        var item = areas[layer.feature.properties.code];
        if (!item) { return; }
        layer.setStyle({ fillColor: colour(valueOf(item), s) });
        layer.setTooltipContent(label(item));
      });
    }
    points.forEach(function (p) {
      if (coloured(p.item)) { p.marker.setStyle({ fillColor: colour(valueOf(p.item), s) }); }
      p.marker.setTooltipContent(label(p.item));
    });
    drawLegend(s);
    box.dataset.metric = data.metrics.length ? data.metrics[chosen].key : "";
    document.querySelectorAll("[data-map-caption]").forEach(function (caption) {
      caption.hidden = caption.dataset.mapCaption !== String(chosen);
    });
  }

  function open(url) { window.location.href = url; }

  items.forEach(function (item) {
    if (item.kind === "area" || item.lon === null || item.lon === undefined) { return; }
    var small = item.kind === "community";
    var marker = L.circleMarker([item.lat, item.lon], {
      radius: small ? 4 : 8,
      weight: item.kind === "own" ? 3 : 1,
      color: "#212529",
      fillColor: small ? "#adb5bd" : item.kind === "own" ? OWN : NO_DATA,
      fillOpacity: 0.9,
      className: "dashboard-point point-" + item.code
    }).bindTooltip(item.name);
    marker.on("click", function () { open(item.url); });
    points.push({ item: item, marker: marker });
  });

  function finish() {
    points.forEach(function (p) { p.marker.addTo(map); });
    var bounds = outline ? outline.getBounds() : null;
    points.forEach(function (p) {
      var at = p.marker.getLatLng();
      bounds = bounds ? bounds.extend(at) : L.latLngBounds(at, at);
    });
    // Not animated: drawn once, at its final scale, before data-ready.
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [8, 8], maxZoom: 15, animate: false });
    }
    paint();
    box.dataset.points = String(points.length);
    requestAnimationFrame(function () { box.dataset.ready = "1"; });
  }

  if (picker) {
    picker.addEventListener("change", function () { chosen = Number(picker.value) || 0; paint(); });
  }

  var wanted = {};
  data.districts.forEach(function (code) { wanted[code] = true; });
  fetch(data.boundaries).then(function (r) { return r.json(); }).then(function (geo) {
    var city = data.level === "city";
    outline = L.geoJSON(geo, {
      filter: function (feature) { return wanted[feature.properties.code] === true; },
      style: city
        ? { color: "#495057", weight: 1, fillColor: NO_DATA, fillOpacity: 0.85 }
        : { color: "#495057", weight: 2, fillColor: "#e9ecef", fillOpacity: 0.5 },
      onEachFeature: function (feature, layer) {
        var code = feature.properties.code;
        var item = areas[code];
        if (item) {
          layer.options.className = "dashboard-area area-" + code;
          layer.bindTooltip(label(item));
          layer.on("click", function () { open(item.url); });
        } else {
          layer.options.interactive = false;
        }
      }
    }).addTo(map);
    box.dataset.areas = String(outline.getLayers().length);
    finish();
  }, finish);
})();
