// Charts of a survey's results (vendored ECharts; no inline scripts — the CSP forbids them).
// An element with data-chart="survey-bar" reads {labels, values} from the json_script named by data-source
// (under data-key when the script holds several); data-kind="line" draws a line (responses per day).
(function () {
  "use strict";

  function draw(el, d, kind) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var horizontal = kind !== "line" && d.labels.some(function (l) { return String(l).length > 6; });
    var category = { type: "category", data: d.labels, axisLabel: { interval: 0, width: 140, overflow: "truncate" } };
    var value = { type: "value", minInterval: 1, name: "人数" };
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: horizontal ? 150 : 48, right: 24, top: 24, bottom: 32 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: [{ type: kind === "line" ? "line" : "bar", data: d.values, barMaxWidth: 36, smooth: kind === "line",
        itemStyle: { color: "#206bc4" }, label: { show: kind !== "line", position: horizontal ? "right" : "top" } }]
    });
    return chart;
  }

  function init() {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll("[data-chart='survey-bar']").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-source"));
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var key = el.getAttribute("data-key");
      if (key) { data = data[key]; }
      if (!data) { return; }
      charts.push(draw(el, data, el.getAttribute("data-kind")));
      el.setAttribute("data-rendered", "1");
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
