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
})();
