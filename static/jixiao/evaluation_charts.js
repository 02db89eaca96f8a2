// Charts of the self-evaluation status board (vendored ECharts; no inline scripts — the CSP forbids them).
// An element with data-chart="counts" (a histogram) or "grades" (a pie of 优/良/中/差) reads {names, counts} from the
// json_script named by data-source.
(function () {
  "use strict";
  var GRADE_COLOURS = { "优": "#2fb344", "良": "#206bc4", "中": "#f59f00", "差": "#d63939" };

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function counts(el, d) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 24, top: 32, bottom: 40 },
      xAxis: { type: "category", data: d.names, name: "得分" },
      yAxis: { type: "value", name: el.getAttribute("data-axis") || "", minInterval: 1 },
      series: [{ name: "自评表", type: "bar", barMaxWidth: 48, data: d.counts, itemStyle: { color: "#206bc4" },
        label: { show: true, position: "top" } }]
    });
    return chart;
  }

  function grades(el, d) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "item", formatter: "{b}：{c} 份（{d}%）" },
      legend: { bottom: 0, data: d.names },
      series: [{ name: "自评等级", type: "pie", radius: ["35%", "65%"], label: { formatter: "{b} {c}" },
        data: d.names.map(function (n, i) { return { name: n, value: d.counts[i], itemStyle: { color: GRADE_COLOURS[n] } }; }) }]
    });
    return chart;
  }

  function init() {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll(".evaluation-chart[data-chart]").forEach(function (el) {
      var d = data(el);
      if (!d) { return; }
      charts.push(el.getAttribute("data-chart") === "grades" ? grades(el, d) : counts(el, d));
      el.setAttribute("data-rendered", "1");
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
