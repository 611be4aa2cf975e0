// The cockpit: scores as bars and as coloured points on a map; a click opens the unit.
(function () {
  "use strict";
  var source = document.getElementById("cockpit-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var base = window.location.pathname.replace(/\/$/, "") + "/units/";
  function colour(score) {
    if (score === null || score === undefined) { return "#999999"; }
    if (score >= 85) { return "#198754"; }
    if (score >= 70) { return "#ffc107"; }
    return "#dc3545";
  }
  var bars = document.getElementById("score-chart");
  if (bars && window.echarts) {
    var chart = echarts.init(bars);
    chart.setOption({
      tooltip: {},
      grid: { left: 90, right: 16, top: 8, bottom: 24 },
      xAxis: { type: "value", max: 100 },
      yAxis: { type: "category", data: data.names.slice().reverse() },
      series: [{
        name: bars.dataset.label, type: "bar",
        data: data.scores.slice().reverse().map(function (s) {
          return { value: s, itemStyle: { color: colour(s) } };
        })
      }]
    });
    chart.on("click", function (p) {
      var code = data.codes[data.codes.length - 1 - p.dataIndex];
      window.location.href = base + code + "/";
    });
  }
  var mapBox = document.getElementById("score-map");
  if (mapBox && window.L && data.points.length) {
    var map = L.map(mapBox);
    var bounds = [];
    data.points.forEach(function (p) {
      L.circleMarker([p[1], p[0]], { radius: 9, color: colour(p[2]), fillOpacity: 0.8 })
        .bindTooltip(p[3] + " " + (p[2] === null ? "—" : p[2].toFixed(1)))
        .addTo(map);
      bounds.push([p[1], p[0]]);
    });
    map.fitBounds(bounds, { padding: [20, 20] });
  } else if (mapBox) {
    mapBox.classList.add("d-none");
  }
  // Drawn: what tests and bench/indicators.py wait for (the mark: when, since navigation).
  if (bars) {
    if (window.performance && performance.mark) { performance.mark("cockpit-ready"); }
    bars.setAttribute("data-ready", "1");
  }
})();
