/* What the user typed survives a session that ended while the page was open. Sending a form
   over htmx then takes the window to the login page (rapport.web.access._to_login) and back
   to this page: the form's values are kept in the tab's sessionStorage on the way out and put
   back in the same form when the page loads again. Only for a redirect to the login page, so
   a form that was sent and saved never comes back filled. */
(function () {
  const login = document.currentScript.dataset.login;
  const key = "rapport-drafts:" + location.pathname;
  document.addEventListener("htmx:beforeOnLoad", (event) => {
    const redirect = event.detail.xhr.getResponseHeader("HX-Redirect") || "";
    const form = event.detail.elt.closest("form[id]");
    if (!form || !redirect.startsWith(login)) return;
    const values = {};
    for (const field of form.elements) {
      if (field.name && field.type !== "hidden" && !["button", "submit"].includes(field.type)) {
        values[field.name] = field.value;
      }
    }
    sessionStorage.setItem(key, JSON.stringify({ form: form.id, values: values }));
  });
  const saved = sessionStorage.getItem(key);
  if (!saved) return;
  sessionStorage.removeItem(key);
  const draft = JSON.parse(saved);
  const form = document.getElementById(draft.form);
  if (!form) return;
  for (const [name, value] of Object.entries(draft.values)) {
    const field = form.elements.namedItem(name);
    if (field && "value" in field) field.value = value;
  }
})();
