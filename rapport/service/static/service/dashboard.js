/* The service dashboard charts: volume, SLA compliance, response and resolution times, and
   complaints by root cause. Data comes from the page (json_script), never from a request. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("service-charts").textContent);
  const legend = { position: "bottom", labels: { usePointStyle: true, boxWidth: 8 } };
  const base = { maintainAspectRatio: false, interaction: { mode: "index", intersect: false } };
  const palette = ["#3b5bdb", "#f08c00", "#2b8a3e", "#c92a2a", "#7048e8", "#0b7285", "#868e96"];

  function chart(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  }

  chart("chart-volume", {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: "Opened", data: data.created, backgroundColor: "#3b5bdb", borderRadius: 3 },
        { type: "bar", label: "Solved", data: data.solved, backgroundColor: "#94d3a2", borderRadius: 3 },
      ],
    },
    options: { ...base, plugins: { legend }, scales: { x: { grid: { display: false } }, y: { beginAtZero: true } } },
  });

  chart("chart-times", {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Median first response (h)", data: data.first_response_hours, borderColor: "#f08c00", backgroundColor: "#f08c00", spanGaps: true, tension: 0 },
        { label: "Median resolution (h)", data: data.resolution_hours, borderColor: "#7048e8", backgroundColor: "#7048e8", spanGaps: true, tension: 0 },
        { label: "SLA compliance (%)", data: data.sla_compliance, borderColor: "#2b8a3e", backgroundColor: "#2b8a3e", spanGaps: true, tension: 0, yAxisID: "pct" },
      ],
    },
    options: {
      ...base,
      plugins: { legend },
      scales: {
        x: { grid: { display: false } },
        y: { beginAtZero: true, title: { display: true, text: "hours" } },
        pct: { position: "right", min: 0, max: 100, grid: { display: false }, title: { display: true, text: "%" } },
      },
    },
  });

  const causes = Object.keys(data.complaints_by_cause);
  chart("chart-complaints", {
    type: "bar",
    data: {
      labels: data.complaint_months,
      datasets: causes.map(function (cause, i) {
        return { label: cause, data: data.complaints_by_cause[cause], backgroundColor: palette[i % palette.length] };
      }),
    },
    options: { ...base, plugins: { legend }, scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true } } },
  });
})();
