/* The global search box from the keyboard: Down from the box goes into its results, Up and
   Down move through them (Up from the first goes back to the box), Escape goes back to the
   box, and Enter on a result opens it. Without this the results were reached by Tab alone. */
(function () {
  const box = document.getElementById("global-search");
  const results = document.getElementById("search-results");
  if (!box || !results) return;
  const links = () => Array.from(results.querySelectorAll("a[href]"));
  box.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" || !links().length) return;
    event.preventDefault();
    links()[0].focus();
  });
  results.addEventListener("keydown", (event) => {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (at < 0) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = at + (event.key === "ArrowDown" ? 1 : -1);
      (next < 0 ? box : all[Math.min(next, all.length - 1)]).focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      box.focus();
    }
  });
})();
