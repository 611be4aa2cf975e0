// The funds report's charts: allocated against paid per division, and payments per month.
(function () {
  "use strict";
  var byDivision = document.getElementById("chart");
  var byMonth = document.getElementById("months");
  if (!byDivision || !byMonth || !window.echarts) { return; }
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var labels = byDivision.dataset;  // translated series names, from the template
  echarts.init(byDivision).setOption({
    tooltip: {}, legend: {},
    xAxis: { type: "category", data: data.names }, yAxis: { type: "value" },
    series: [
      { name: labels.allocated, type: "bar", data: data.allocated },
      { name: labels.paid, type: "bar", data: data.paid }
    ]
  });
  echarts.init(byMonth).setOption({
    tooltip: {},
    xAxis: { type: "category", data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
    yAxis: { type: "value" },
    series: [{ type: "line", data: data.months }]
  });
})();
