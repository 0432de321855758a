// Home dashboard charts (ECharts), fed by the json_script block of portal/home.html.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("dashboard-charts");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  function pie(id, series) {
    var el = document.getElementById(id);
    if (!el || !series) return;
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: series,
                 label: { formatter: "{b}\n{c}" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function bar(id, series) {
    var el = document.getElementById(id);
    if (!el || !series) return;
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 10, top: 20, bottom: 30 },
      xAxis: { type: "category", data: series.map(function (d) { return d.name; }) },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: series.map(function (d) { return d.value; }), barMaxWidth: 40 }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  pie("chart-rank", data.by_rank);
  pie("chart-category", data.by_category);
  bar("chart-age", data.by_age);
});
