/* The campaign funnel chart; its numbers come from the page (json_script). */
(function () {
  "use strict";
  const canvas = document.getElementById("chart-funnel");
  if (!canvas) { return; }  // a draft nobody has been queued for has no report yet
  const data = JSON.parse(document.getElementById("campaign-funnel").textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: "Recipients", data: data.values, backgroundColor: "#3b5bdb", borderRadius: 3 }],
    },
    options: {
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
