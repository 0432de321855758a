// Charts of the evaluation pages (ECharts), fed by a json_script block "eval-chart-data".
// data-kind="grouped": {names, series: [{name, data}]} as grouped bars (means 0–5);
// data-kind="hbar": {names, values, label} as a horizontal ranking.
(function () {
  var node = document.getElementById("eval-chart");
  var source = document.getElementById("eval-chart-data");
  if (!node || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(node);
  if (node.dataset.kind === "hbar") {
    chart.setOption({
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", min: 0, max: 5 },
      yAxis: { type: "category", data: data.names, axisLabel: { width: 120, overflow: "truncate" } },
      series: [{ type: "bar", name: data.label, data: data.values, label: { show: true, position: "right" } }]
    });
  } else {
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 16, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, width: 90, overflow: "truncate" } },
      yAxis: { type: "value", min: 0, max: 5 },
      series: data.series.map(function (s) { return { type: "bar", name: s.name, data: s.data, barMaxWidth: 24 }; })
    });
  }
  window.addEventListener("resize", function () { chart.resize(); });
})();
