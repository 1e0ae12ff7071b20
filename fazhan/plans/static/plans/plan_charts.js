// The plan page's charts: ECharts (vendored, fazhan/core/static/fazhan/vendor/) reading the page's JSON.
(function () {
  "use strict";
  var el = document.getElementById("plan-chart");
  if (!el || !window.echarts) return;
  fetch(el.dataset.src, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (d) {
      var months = [];
      for (var m = 1; m <= 12; m++) months.push(m + "月");
      var plan = echarts.init(el, null, { renderer: "canvas" });
      plan.setOption({
        title: { text: d.year + " 年度计划执行", left: "center", textStyle: { fontSize: 14 } },
        // The tooltip drawn on the canvas: its HTML form carries inline styles, which the CSP refuses.
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { bottom: 0 },
        xAxis: { type: "category", data: months },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "当月发展", type: "bar", data: d.monthly },
          { name: "累计发展", type: "line", data: d.cumulative },
          { name: "计划数", type: "line", data: months.map(function () { return d.quota; }), lineStyle: { type: "dashed" }, symbol: "none" }
        ]
      });
      var poolEl = document.getElementById("pool-chart");
      var rows = d.children.length ? d.children : [d];
      var pool = echarts.init(poolEl, null, { renderer: "canvas" });
      pool.setOption({
        title: { text: "入党申请人 : 积极分子 : 发展对象", left: "center", textStyle: { fontSize: 14 } },
        // The tooltip drawn on the canvas: its HTML form carries inline styles, which the CSP refuses.
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { bottom: 0 },
        xAxis: { type: "category", data: rows.map(function (r) { return r.name.replace(/^中共/, ""); }), axisLabel: { interval: 0, rotate: 20 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "入党申请人", type: "bar", data: rows.map(function (r) { return r.applicants; }) },
          { name: "入党积极分子", type: "bar", data: rows.map(function (r) { return r.activists; }) },
          { name: "发展对象", type: "bar", data: rows.map(function (r) { return r.targets; }) }
        ]
      });
      el.dataset.ready = "true";
      window.addEventListener("resize", function () { plan.resize(); pool.resize(); });
    });
})();
