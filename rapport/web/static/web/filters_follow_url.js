/* A list's filter form shows the query of the page the Back (or Forward) button returns to.
   htmx puts back its snapshot of that page, whose table is right but whose inputs are not:
   a snapshot keeps the markup the server wrote, not what was typed or picked since (a search
   typed, then a stage picked, then Back showed the search's table under an empty box, and
   the export buttons exported the search the box no longer showed). Each filter form that
   pushes its query to the address bar is set from that address again. */
(function () {
  function follow(form, params) {
    for (const field of form.elements) {
      if (!field.name || field.type === "submit" || field.type === "button") continue;
      const values = params.getAll(field.name);
      const last = values.length ? values[values.length - 1] : null; // as the server reads it
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.includes(field.value);
      } else if (field.type === "select-multiple") {
        for (const option of field.options) option.selected = values.includes(option.value);
      } else if (field.type === "select-one") {
        // Not in the address: the choice the server wrote, which may be a default of its own
        // (a ticket queue opens on the unsolved ones).
        for (const option of field.options) {
          option.selected = last === null ? option.defaultSelected : option.value === last;
        }
      } else {
        field.value = last === null ? "" : last;
      }
    }
  }
  document.addEventListener("htmx:historyRestore", () => {
    const params = new URLSearchParams(location.search);
    for (const form of document.querySelectorAll('form[hx-get][hx-push-url="true"]')) {
      if (new URL(form.getAttribute("hx-get"), location.href).pathname === location.pathname) {
        follow(form, params);
      }
    }
  });
})();
