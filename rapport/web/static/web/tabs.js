/* Tabs (WAI-ARIA "tabs with automatic activation"): a `[role=tablist]` of `[role=tab]`
   buttons, each naming its `[role=tabpanel]` by `aria-controls`. A click or an arrow key
   (Left/Right, Home/End) selects a tab: it alone is `aria-selected` and in the Tab order
   (the others `tabindex=-1`), its panel alone shown. Delegated from the document, so tabs
   that htmx swaps in work too. */
(function () {
  function select(tab) {
    const list = tab.closest("[role=tablist]");
    for (const other of list.querySelectorAll("[role=tab]")) {
      const selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      if (selected) other.removeAttribute("tabindex");
      else other.setAttribute("tabindex", "-1");
      const panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) panel.hidden = !selected;
    }
  }
  document.addEventListener("click", (event) => {
    const tab = event.target.closest && event.target.closest("[role=tab]");
    if (tab) select(tab);
  });
  document.addEventListener("keydown", (event) => {
    const tab = event.target.closest && event.target.closest("[role=tab]");
    if (!tab) return;
    const tabs = Array.from(tab.closest("[role=tablist]").querySelectorAll("[role=tab]"));
    const at = tabs.indexOf(tab);
    const next = {
      ArrowRight: tabs[(at + 1) % tabs.length],
      ArrowLeft: tabs[(at - 1 + tabs.length) % tabs.length],
      Home: tabs[0],
      End: tabs[tabs.length - 1],
    }[event.key];
    if (!next) return;
    event.preventDefault();
    select(next);
    next.focus();
  });
})();
