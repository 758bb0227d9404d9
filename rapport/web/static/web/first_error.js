/* A full form sent back with errors (a create or edit page answered by the server) opened at
   the top, the first error perhaps a screen or more below: on a phone nothing said what was
   wrong. On load the focus goes to the first field with an error, else to the form's error
   message, which brings it into view. */
(function () {
  const form = Array.from(document.querySelectorAll("main form[method=post]")).find((f) =>
    f.querySelector(".has-error, .alert-error"),
  );
  if (!form) return;
  const field = form.querySelector(
    ".has-error input:not([type=hidden]), .has-error select, .has-error textarea",
  );
  const target = field || form.querySelector(".alert-error");
  if (!target) return;
  if (!field) target.tabIndex = -1;
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "center" });
})();
