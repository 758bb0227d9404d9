/* The service dashboard charts: volume, SLA compliance and reopen rate, response and resolution
   times, complaints by root cause, CSAT and NPS per month and the backlog by age. Data comes from the page (json_script), never from a request. */
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
        { label: "Reopen rate (%)", data: data.reopen_rate, borderColor: "#c92a2a", backgroundColor: "#c92a2a", borderDash: [4, 3], spanGaps: true, tension: 0, yAxisID: "pct" },
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

  // A month with no answers has a null average: the line breaks there instead of bridging it.
  if (data.csat) {
    chart("chart-csat", {
      data: {
        labels: data.csat.labels,
        datasets: [
          { type: "line", label: "Average score", data: data.csat.average, borderColor: "#3b5bdb", backgroundColor: "#3b5bdb", tension: 0, yAxisID: "score" },
          { type: "bar", label: "Answers", data: data.csat.answers, backgroundColor: "#d0d7f7", borderRadius: 3, yAxisID: "n" },
        ],
      },
      options: {
        ...base,
        plugins: { legend },
        scales: {
          x: { grid: { display: false } },
          score: { min: 1, max: 5, title: { display: true, text: "score" } },
          n: { position: "right", beginAtZero: true, grid: { display: false }, ticks: { precision: 0 }, title: { display: true, text: "answers" } },
        },
      },
    });
  }

  if (data.nps) {
    chart("chart-nps", {
      data: {
        labels: data.nps.labels,
        datasets: [
          { type: "line", label: "NPS", data: data.nps.nps, borderColor: "#212529", backgroundColor: "#212529", tension: 0, yAxisID: "nps" },
          { type: "bar", label: "Promoters", data: data.nps.promoters, backgroundColor: "#2b8a3e", stack: "answers", yAxisID: "n" },
          { type: "bar", label: "Passives", data: data.nps.passives, backgroundColor: "#ced4da", stack: "answers", yAxisID: "n" },
          { type: "bar", label: "Detractors", data: data.nps.detractors, backgroundColor: "#e03131", stack: "answers", yAxisID: "n" },
        ],
      },
      options: {
        ...base,
        plugins: { legend },
        scales: {
          x: { stacked: true, grid: { display: false } },
          n: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "answers" } },
          nps: { position: "right", min: -100, max: 100, grid: { display: false }, title: { display: true, text: "NPS" } },
        },
      },
    });
  }

  if (data.backlog) {
    const priorityColours = { urgent: "#c92a2a", high: "#f08c00", normal: "#3b5bdb", low: "#adb5bd" };
    chart("chart-backlog", {
      type: "bar",
      data: {
        labels: data.backlog.labels,
        datasets: data.backlog.priorities.map(function (p, i) {
          return { label: p.label, data: p.counts, backgroundColor: priorityColours[p.key] || palette[i % palette.length] };
        }),
      },
      options: { ...base, plugins: { legend }, scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
})();
