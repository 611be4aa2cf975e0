// The survey results' charts: index by district with confidence intervals, the distribution
// of the first question's answers, and a map of the index by district.
(function () {
  if (!window.echarts) return;
  const data = JSON.parse(document.getElementById('chart-data').textContent);
  const districtsEl = document.getElementById('chart-districts');
  const byDistrict = echarts.init(districtsEl);
  byDistrict.setOption({
    title: {text: districtsEl.dataset.title, textStyle: {fontSize: 13}},
    grid: {left: 90, right: 20, top: 40, bottom: 30},
    tooltip: {trigger: 'axis'},
    yAxis: {type: 'category', data: data.districts, inverse: true},
    xAxis: {type: 'value', scale: true},
    series: [
      {type: 'bar', data: data.index, itemStyle: {color: '#dc3545'}},
      {type: 'custom', renderItem: function (params, api) {
        const y = api.coord([0, api.value(0)])[1];
        const lo = api.coord([api.value(1), api.value(0)])[0];
        const hi = api.coord([api.value(2), api.value(0)])[0];
        return {type: 'group', children: [
          {type: 'line', shape: {x1: lo, y1: y, x2: hi, y2: y}, style: {stroke: '#333', lineWidth: 1.5}},
          {type: 'line', shape: {x1: lo, y1: y - 4, x2: lo, y2: y + 4}, style: {stroke: '#333'}},
          {type: 'line', shape: {x1: hi, y1: y - 4, x2: hi, y2: y + 4}, style: {stroke: '#333'}}]};
      }, data: data.districts.map((d, i) => [i, data.low[i], data.high[i]]), encode: {x: [1, 2], y: 0}, z: 10}
    ]
  });
  const dist = echarts.init(document.getElementById('chart-distribution'));
  const first = data.distributions[0] || {labels: [], counts: [], name: ''};
  dist.setOption({
    title: {text: first.name, textStyle: {fontSize: 13}},
    tooltip: {}, grid: {left: 50, right: 20, top: 40, bottom: 30},
    xAxis: {type: 'category', data: first.labels}, yAxis: {type: 'value'},
    series: [{type: 'bar', data: first.counts, itemStyle: {color: '#6c757d'}}]
  });
  const geo = JSON.parse(document.getElementById("map-data").textContent);
  const mapEl = document.getElementById('chart-map');
  const map = echarts.init(mapEl);
  echarts.registerMap('survey-districts', geo);
  const shown = geo.features.map(f => f.properties.index).filter(v => v !== null);
  const labels = mapEl.dataset;  // translated, from the template: title, suppressed, none
  map.setOption({
    title: {text: labels.title, textStyle: {fontSize: 13}},
    tooltip: {trigger: 'item', formatter: function (p) {
      const f = p.data && p.data.props;
      if (!f) return p.name;
      if (f.index === null) return p.name + '<br>n=' + f.n + ' · ' + (f.suppressed ? labels.suppressed : labels.none);
      return p.name + '<br>' + f.index.toFixed(1) + ' · n=' + f.n;
    }},
    visualMap: {type: 'continuous', min: shown.length ? Math.floor(Math.min(...shown)) : 0,
      max: shown.length ? Math.ceil(Math.max(...shown)) : 100, calculable: true, left: 'left', bottom: 10,
      inRange: {color: ['#fde0dd', '#dc3545', '#67000d']}, outOfRange: {color: '#adb5bd'}},
    series: [{type: 'map', map: 'survey-districts', nameProperty: 'code', roam: true,
      itemStyle: {areaColor: '#adb5bd', borderColor: '#fff'},
      label: {show: true, fontSize: 10, formatter: function (p) { return p.data ? p.data.props.name : ''; }},
      data: geo.features.map(f => ({name: f.properties.code, value: f.properties.index === null ? NaN : f.properties.index,
        props: f.properties, itemStyle: f.properties.index === null ? {areaColor: '#adb5bd'} : undefined}))}]
  });
  window.addEventListener('resize', () => { byDistrict.resize(); dist.resize(); map.resize(); });
})();
