// Draws the trends dashboard's charts from the JSON the page embeds (json_script).
// Without JavaScript the charts stay hidden and the tables beside them carry the
// same figures and links; with it, clicking a bar or point opens the list behind it.
(function () {
  "use strict";

  function axis(title, stacked, extra) {
    return Object.assign({
      stacked: stacked,
      beginAtZero: true,
      title: { display: Boolean(title), text: title || "" },
      ticks: { precision: 0 },
      grid: { color: "#e5e7eb" },
    }, extra || {});
  }

  function dataset(spec, chartSpec) {
    var line = (spec.type || chartSpec.type) === "line";
    return {
      type: spec.type,
      label: spec.label,
      data: spec.data,
      backgroundColor: spec.colour,
      borderColor: spec.colour,
      borderWidth: line ? 2 : 0,
      borderDash: spec.dashed ? [6, 4] : [],
      pointRadius: line ? 4 : undefined,
      pointHoverRadius: line ? 6 : undefined,
      pointStyle: spec.dashed ? "rectRot" : "circle",
      spanGaps: false,
      maxBarThickness: 48,
      order: line ? 0 : 1,
    };
  }

  function openListAt(chartSpec, elements) {
    if (!elements.length) return;
    var element = elements[0];
    var url = chartSpec.datasets[element.datasetIndex].urls[element.index];
    if (url) window.location.assign(url);
  }

  function config(chartSpec, aspect) {
    var horizontal = Boolean(chartSpec.horizontal);
    var stacked = Boolean(chartSpec.stacked);
    var valueAxis = axis(chartSpec.yTitle || chartSpec.xTitle, stacked);
    var categoryAxis = axis("", stacked, { grid: { display: false }, ticks: {} });
    return {
      type: chartSpec.type,
      data: {
        labels: chartSpec.labels,
        datasets: chartSpec.datasets.map(function (spec) { return dataset(spec, chartSpec); }),
      },
      options: {
        responsive: true,
        aspectRatio: aspect,
        indexAxis: horizontal ? "y" : "x",
        interaction: { mode: "nearest", intersect: chartSpec.type !== "line" },
        animation: { duration: 300 },
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, usePointStyle: chartSpec.type === "line" } },
          tooltip: { callbacks: { footer: function () { return "Click to open the list behind it"; } } },
        },
        onClick: function (event, elements) { openListAt(chartSpec, elements); },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
      },
    };
  }

  function drawCharts() {
    var source = document.getElementById("trend-charts");
    if (!source || typeof window.Chart === "undefined") return;
    var specs = JSON.parse(source.textContent);
    window.Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = "#374151";
    document.querySelectorAll("[data-chart]").forEach(function (figure) {
      var chartSpec = specs[figure.dataset.chart];
      if (!chartSpec) return;
      figure.hidden = false;
      new window.Chart(figure.querySelector("canvas"), config(chartSpec, Number(figure.dataset.aspect) || 2));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
})();
