// Topic demand ranking of a survey's results page: a horizontal bar chart (data from json_script).
(function () {
  var node = document.getElementById("topic-chart");
  var source = document.getElementById("topic-chart-data");
  if (!node || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(node);
  chart.setOption({
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.topics },
    series: [{ type: "bar", name: "选择人数", data: data.counts, label: { show: true, position: "right" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
