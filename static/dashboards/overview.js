// Draws the dashboard charts from the JSON the page carries (no inline scripts: CSP).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var labels = document.getElementById("dashboard-labels").dataset;
  var colours = { red: "#dc3545", yellow: "#ffc107", blue: "#0d6efd", white: "#ced4da", green: "#198754", grey: "#adb5bd" };
  var charts = [];
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }
  // The ring drawn above the legend: the six colours take two lines on a narrow card, and
  // the second ran into a ring drawn in the middle.
  make("chart-lights", {
    tooltip: { trigger: "item" },
    legend: { bottom: 0 },
    series: [{
      type: "pie", radius: ["30%", "56%"], center: ["50%", "42%"],
      // On a phone the names beside the ring were cut at the card's edge; the legend names
      // each colour.
      label: { show: window.innerWidth >= 768 }, labelLine: { show: window.innerWidth >= 768 },
      data: Object.keys(data.lights).filter(function (k) { return data.lights[k] > 0; }).map(function (k) {
        return { name: labels[k] || k, value: data.lights[k], itemStyle: { color: colours[k] } };
      })
    }]
  });
  // A college has a couple of hundred lead units: past twenty (eight on a phone), the chart
  // shows that many at a time with a slider (and wheel or swipe) to move along, so each name
  // stays readable.
  var shown = window.innerWidth < 768 ? 8 : 20;
  var many = data.units.length > shown;
  make("chart-units", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    // Room on the left for the first name, which the rotation draws left of its bar; long
    // names are cut to the label's width (the tooltip names the unit in full).
    grid: { left: 64, right: 8, bottom: many ? 36 : 8, top: 30, containLabel: true },
    dataZoom: many ? [
      { type: "slider", xAxisIndex: 0, startValue: 0, endValue: shown - 1, height: 18, bottom: 4, showDetail: false },
      { type: "inside", xAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true }
    ] : [],
    xAxis: { type: "category", data: data.units.map(function (u) { return u.name; }), axisLabel: { interval: 0, rotate: 35, width: 96, overflow: "truncate" } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: labels.closed, type: "bar", stack: "m", itemStyle: { color: colours.green }, data: data.units.map(function (u) { return u.done; }) },
      { name: labels.open, type: "bar", stack: "m", itemStyle: { color: "#9ec5fe" }, data: data.units.map(function (u) { return u.open; }) },
      { name: labels.overdue, type: "line", itemStyle: { color: colours.red }, data: data.units.map(function (u) { return u.overdue; }) }
    ]
  });
  make("chart-themes", {
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 24, bottom: 8, top: 8, containLabel: true },
    xAxis: { type: "value", max: 100 },
    yAxis: { type: "category", data: data.themes.map(function (t) { return t.name; }) },
    series: [{ name: labels.rate, type: "bar", itemStyle: { color: colours.blue }, label: { show: true, position: "right", formatter: "{c}%" }, data: data.themes.map(function (t) { return t.rate; }) }]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
