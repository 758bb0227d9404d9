/* The forecast chart: closed won as bars, weighted, calibrated and best case as lines. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("forecast-data").textContent);
  const money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  new Chart(document.getElementById("forecast-chart"), {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: "Closed won", data: data.closed_won, backgroundColor: "#3b5bdb", borderRadius: 4, order: 2 },
        { type: "line", label: "Weighted", data: data.weighted, borderColor: "#f08c00", backgroundColor: "#f08c00", tension: 0, order: 1 },
        { type: "line", label: "Calibrated", data: data.calibrated, borderColor: "#2b8a3e", backgroundColor: "#2b8a3e", tension: 0, order: 1 },
        { type: "line", label: "Best case", data: data.best_case, borderColor: "#adb5bd", backgroundColor: "#adb5bd", borderDash: [5, 4], tension: 0, order: 1 },
      ],
    },
    options: {
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true, boxWidth: 8 } },
        tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + money.format(c.parsed.y); } } },
      },
      scales: {
        x: { grid: { display: false } },
        y: { beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } },
      },
    },
  });
})();
