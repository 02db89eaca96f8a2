// The inflation chart of the spot re-check (vendored ECharts; no inline scripts — the CSP forbids them).
// An element with data-chart="inflation" reads {years, series: [{name, data}]} from the json_script named by data-source.
(function () {
  "use strict";

  function inflation(el, d) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v.toFixed(2) + " 分"; } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 56, right: 24, top: 40, bottom: 40 },
      xAxis: { type: "category", data: d.years },
      yAxis: { type: "value", name: "自评 − 复核（分）" },
      series: d.series.map(function (s) {
        return { name: s.name, type: d.years.length > 1 ? "line" : "bar", data: s.data, connectNulls: false, symbolSize: 8, barMaxWidth: 48,
          markLine: { symbol: "none", silent: true, lineStyle: { type: "dashed", color: "#1d273b" }, data: [{ yAxis: 0 }] } };
      })
    });
    return chart;
  }

  function init() {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll("[data-chart='inflation']").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-source"));
      if (!source) { return; }
      charts.push(inflation(el, JSON.parse(source.textContent)));
      el.setAttribute("data-rendered", "1");
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
