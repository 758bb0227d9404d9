/* Keyboard focus across htmx swaps. A swap that replaces the element holding the focus (an
   inline edit's form on Save or Escape, a task's row when ticked, the quick-add form after a
   note) dropped it on <body>: a keyboard user started again from the top of the page. It goes
   back to the same control if the new content has it, else to the first control of what
   replaced the element around it. Restored at once after the swap (not after the settle, 20 ms
   later), so that a request the swap itself starts (the timeline's refresh) cannot come
   between. */
(function () {
  const CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
  let focusedId = "";
  let holderId = "";
  document.addEventListener("htmx:beforeSwap", () => {
    const active = document.activeElement;
    if (!active || active === document.body) return;
    focusedId = active.id;
    const holder = active.parentElement && active.parentElement.closest("[id]");
    holderId = holder ? holder.id : "";
  });
  document.addEventListener("htmx:afterSwap", () => {
    const active = document.activeElement;
    const holder = holderId && document.getElementById(holderId);
    const control =
      (focusedId && document.getElementById(focusedId)) ||
      (holder && (holder.matches(CONTROLS) ? holder : holder.querySelector(CONTROLS)));
    focusedId = holderId = "";
    if (control && (!active || active === document.body)) control.focus();
  });
})();
