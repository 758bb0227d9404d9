/* Keyboard focus across htmx swaps. A swap that replaces the element holding the focus (an
   inline edit's form on Save or Escape, a task's row when ticked, the quick-add form after a
   note) dropped it on <body>: a keyboard user started again from the top of the page. It goes
   back to the same control if the new content has it, else to the first control of what
   replaced the element around it. */
(function () {
  const CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
  let focusedId = "";
  let holderId = "";
  document.addEventListener("htmx:beforeSwap", () => {
    const active = document.activeElement;
    focusedId = holderId = "";
    if (!active || active === document.body) return;
    focusedId = active.id;
    const holder = active.parentElement && active.parentElement.closest("[id]");
    holderId = holder ? holder.id : "";
  });
  document.addEventListener("htmx:afterSettle", () => {
    const active = document.activeElement;
    if (active && active !== document.body) return; // focus was kept, or moved on purpose
    const holder = holderId && document.getElementById(holderId);
    const control =
      (focusedId && document.getElementById(focusedId)) ||
      (holder && (holder.matches(CONTROLS) ? holder : holder.querySelector(CONTROLS)));
    if (control) control.focus();
  });
})();
