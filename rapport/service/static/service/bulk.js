/* The ticket list's bulk bar: shown while a row is ticked, with the count; the header box ticks
   or clears every row of the page. Delegated, and the bar looked up each time, so it keeps
   working after htmx swaps the table or (a filter chip removed) the whole list with the bar. */
(function () {
  "use strict";
  if (!document.getElementById("bulk-bar")) { return; }
  function rows() { return document.querySelectorAll("#ticket-table input[name=ticket_ids]"); }
  function refresh() {
    const ticked = document.querySelectorAll("#ticket-table input[name=ticket_ids]:checked").length;
    const all = document.getElementById("select-all-tickets");
    if (all) { all.checked = ticked > 0 && ticked === rows().length; }
    const bar = document.getElementById("bulk-bar");
    if (!bar) { return; }
    document.getElementById("bulk-count").textContent = String(ticked);
    bar.hidden = ticked === 0;
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "select-all-tickets") {
      rows().forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.closest("#ticket-table")) { refresh(); }
  });
  document.body.addEventListener("htmx:afterSwap", refresh);
  refresh();
})();
