// Charts of the monitoring dashboard (vendored ECharts; no inline scripts — the CSP forbids them).
// An element with data-chart="bars" or "lines" reads its data from the json_script named by data-source.
(function () {
  "use strict";
  var COLOURS = { red: "#d63939", yellow: "#f59f00", green: "#2fb344", blue: "#206bc4", none: "#adb5bd" };

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function bars(el, d) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      grid: { left: 48, right: 24, top: 32, bottom: 96 },
      xAxis: { type: "category", data: d.names, axisLabel: { interval: 0, rotate: d.names.length > 6 ? 35 : 0 } },
      yAxis: { type: "value", name: "预算执行率（%）", axisLabel: { formatter: "{value}%" } },
      series: [{
        name: "预算执行率", type: "bar", barMaxWidth: 36,
        data: d.rates.map(function (v, i) { return { value: v, itemStyle: { color: COLOURS[d.lights[i]] || COLOURS.none } }; }),
        markLine: d.progress === null ? undefined : {
          symbol: "none", lineStyle: { type: "dashed", color: "#1d273b" },
          label: { position: "insideEndTop", formatter: "序时进度 " + d.progress + "%" }, data: [{ yAxis: d.progress }]
        }
      }]
    });
    chart.on("click", function (params) {
      var link = d.links && d.links[params.dataIndex];
      if (link) { window.location.href = link.charAt(0) === "?" ? window.location.pathname + link : link; }
    });
    return chart;
  }

  function lines(el, d) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      legend: { top: 0, data: ["预算执行率", "序时进度"] },
      grid: { left: 48, right: 24, top: 40, bottom: 40 },
      xAxis: { type: "category", data: d.dates },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      series: [
        { name: "预算执行率", type: "line", data: d.rates.map(function (v, i) {
            return { value: v, itemStyle: { color: COLOURS[d.lights[i]] || COLOURS.none } }; }), symbolSize: 9,
          lineStyle: { color: "#206bc4" } },
        { name: "序时进度", type: "line", data: d.progress, lineStyle: { type: "dashed", color: "#1d273b" },
          itemStyle: { color: "#1d273b" } }
      ]
    });
    return chart;
  }

  function init() {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var d = data(el);
      if (!d) { return; }
      charts.push(el.getAttribute("data-chart") === "lines" ? lines(el, d) : bars(el, d));
      el.setAttribute("data-rendered", "1");
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
