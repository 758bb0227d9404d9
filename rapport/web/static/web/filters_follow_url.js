/* A list's filter form shows the query of the page the Back (or Forward) button returns to.
   htmx puts back its snapshot of that page, whose table is right but whose inputs are not:
   a snapshot keeps the markup the server wrote, not what was typed or picked since (a search
   typed, then a stage picked, then Back showed the search's table under an empty box, and
   the export buttons exported the search the box no longer showed). Each filter form that
   pushes its query to the address bar is set from that address again. */
(function () {
  function follow(form, params) {
    for (const field of form.elements) {
      if (!field.name) continue;
      const values = params.getAll(field.name);
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.includes(field.value);
      } else if (field.type === "select-multiple") {
        for (const option of field.options) option.selected = values.includes(option.value);
      } else if (field.type === "hidden") {
        if (values.length) field.value = values[values.length - 1];
      } else if (field.type !== "submit" && field.type !== "button") {
        // As the server reads a repeated key: the last value.
        field.value = values.length ? values[values.length - 1] : "";
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
