/* What the user is told when an htmx request fails. htmx swaps nothing for an error answer
   (4xx, 5xx) and nothing when the server cannot be reached, so without this a tick, an inline
   edit or a filter that failed looked exactly like one that was still loading, or did nothing.
   A short plain-text answer (a view's own validation message) is shown as it is. */
(function () {
  const box = document.getElementById("request-error");
  if (!box) return;
  const text = box.querySelector(".request-error-text");
  const SAID = {
    403: "Your role in this workspace does not allow this.",
    404: "This is no longer here: it was deleted or merged, or belongs to another workspace.",
  };
  function say(message) {
    text.textContent = message;
    box.hidden = false;
  }
  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    const type = xhr.getResponseHeader("Content-Type") || "";
    const plain = type.startsWith("text/plain") && xhr.responseText.length <= 300;
    say(
      plain
        ? xhr.responseText
        : SAID[xhr.status] ||
            `The server could not do this (error ${xhr.status}). Try again, or reload the page.`
    );
  });
  document.addEventListener("htmx:sendError", () => {
    say("The server could not be reached. Check your connection and try again.");
  });
  box.querySelector("button").addEventListener("click", () => {
    box.hidden = true;
  });
})();
