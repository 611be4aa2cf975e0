// The as-of statistics chart: projects under way per type against the plan.
(function () {
  "use strict";
  var el = document.getElementById("chart");
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  if (!el || !window.echarts) { return; }
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [data.labels.implemented, data.labels.planned] },
    grid: { left: 8, right: 8, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.types, axisLabel: { rotate: 45, interval: 0 } },
    yAxis: { type: "value" },
    series: [
      { name: data.labels.implemented, type: "bar", data: data.implemented, itemStyle: { color: "#dc3545" } },
      { name: data.labels.planned, type: "bar", data: data.planned, itemStyle: { color: "#adb5bd" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  el.dataset.ready = "1";
})();
