/* The ticket page's reply box: Ctrl+Enter (Cmd+Enter on a Mac) in the message sends it, so an
   agent answers without reaching for the mouse. requestSubmit runs the form's own checks. */
(function () {
  "use strict";
  const form = document.getElementById("reply");
  if (!form) { return; }
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.name === "body") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  /* "Insert link" beside a suggested public article puts its title and help-centre address
     into the message at the cursor, so the answer points the customer to it. */
  const body = form.elements.namedItem("body");
  document.addEventListener("click", function (event) {
    const button = event.target.closest(".insert-article");
    if (!button || !body) { return; }
    const text = button.dataset.title + ": " + button.dataset.url;
    const start = body.selectionStart, end = body.selectionEnd, value = body.value;
    const before = value.slice(0, start), after = value.slice(end);
    const lead = before && !/\s$/.test(before) ? "\n" : "";
    const trail = after && !/^\s/.test(after) ? "\n" : "";
    body.value = before + lead + text + trail + after;
    const caret = (before + lead + text).length;
    body.focus();
    body.setSelectionRange(caret, caret);
  });
})();
