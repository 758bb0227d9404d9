/* Company names suggested while typing: an input marked data-company-suggest gets a datalist
   filled from the workspace's companies; a textarea marked data-company-suggest-lines (one
   company per line) gets an "Add a company" input beside it that appends the chosen name.
   Names are set as option values through the DOM, never as HTML. */
(function () {
  "use strict";
  const url = document.currentScript.dataset.url;
  let lists = 0;

  function suggest(input) {
    const list = document.createElement("datalist");
    list.id = "company-names-" + (++lists);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    input.after(list);
    let timer = null;
    let asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        const q = input.value.trim();
        if (!q || q === asked) { return; }
        asked = q;
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { names: [] }; })
          .then(function (data) {
            list.replaceChildren.apply(list, data.names.map(function (name) {
              const option = document.createElement("option");
              option.value = name;
              return option;
            }));
          });
      }, 200);
    });
  }

  function addLines(area) {
    const add = document.createElement("input");
    add.type = "text";
    add.className = "company-add";
    add.placeholder = "Add a company…";
    add.setAttribute("aria-label", "Add a company");
    area.after(add);
    suggest(add);
    function append() {
      const name = add.value.trim();
      if (!name) { return; }
      const lines = area.value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
      if (lines.indexOf(name) < 0) { lines.push(name); }
      area.value = lines.join("\n");
      add.value = "";
    }
    add.addEventListener("change", append);
    add.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); append(); }
    });
  }

  function enhance(root) {
    root.querySelectorAll("input[data-company-suggest]:not([list])").forEach(suggest);
    root.querySelectorAll("textarea[data-company-suggest-lines]:not([data-enhanced])").forEach(function (area) {
      area.setAttribute("data-enhanced", "");
      addLines(area);
    });
  }

  enhance(document);
  document.addEventListener("htmx:load", function (e) { enhance(e.target); });
})();
