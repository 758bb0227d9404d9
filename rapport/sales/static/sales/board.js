/* The deals board: drag a card with SortableJS, POST the drop, put the card back if refused.
 *
 * A drop sends the target stage and the cards now above and below it. The server answers with
 * the board redrawn (counts, totals, order as stored), or 422 naming the problem: a lost stage
 * without a reason opens a small dialog and the move is retried with the reason given. A
 * refusal (read-only role, any error) puts the card back where it was and says why.
 */
(function () {
  "use strict";

  const message = document.getElementById("board-message");
  const dialog = document.getElementById("lost-dialog");

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function putBack(evt) {
    evt.item.remove();
    evt.from.insertBefore(evt.item, evt.from.children[evt.oldIndex] || null);
  }

  function askLostReason(dealName) {
    return new Promise(function (resolve) {
      const form = dialog.querySelector("form");
      const input = dialog.querySelector("#lost-reason");
      input.value = "";
      dialog.querySelector("#lost-deal").textContent = dealName;
      function finish(value) {
        form.onsubmit = null;
        dialog.oncancel = null;
        dialog.close();
        resolve(value);
      }
      form.onsubmit = function (e) {
        e.preventDefault();
        if (input.value.trim()) finish(input.value.trim());
      };
      dialog.querySelector("#lost-cancel").onclick = function () { finish(null); };
      dialog.oncancel = function (e) { e.preventDefault(); finish(null); };
      dialog.showModal();
      input.focus();
    });
  }

  async function send(board, evt, lostReason) {
    const item = evt.item;
    const above = item.previousElementSibling;
    const below = item.nextElementSibling;
    const body = new URLSearchParams({
      stage: evt.to.dataset.stage,
      above: above ? above.dataset.deal : "",
      below: below ? below.dataset.deal : "",
      owner: board.dataset.owner || "",
      lost_reason: lostReason || "",
    });
    const url = board.dataset.moveUrl.replace("/0/", "/" + item.dataset.deal + "/");
    let response;
    board.classList.add("is-saving");
    try {
      response = await fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      });
    } catch (e) {
      response = null;
    } finally {
      board.classList.remove("is-saving");
    }
    if (response && response.ok) {
      say("");
      const html = await response.text();
      board.outerHTML = html;
      init();
      return;
    }
    if (response && response.status === 422) {
      const problem = await response.json();
      const needsReason = problem.errors.some(function (e) { return e.field === "lost_reason"; });
      if (needsReason && !lostReason) {
        const reason = await askLostReason(item.dataset.name);
        if (reason) return send(board, evt, reason);
        putBack(evt);
        say("Not moved: a lost deal needs a reason.");
        return;
      }
      putBack(evt);
      say("Not moved: " + problem.errors.map(function (e) { return e.message; }).join("; ") + ".");
      return;
    }
    putBack(evt);
    if (response && response.status === 403) {
      say("Not moved: your role in this workspace can view deals but not change them.");
    } else {
      say("Not moved: the server could not be reached or failed. Try again.");
    }
  }

  function init() {
    const board = document.getElementById("board");
    if (!board) return;
    board.dataset.moveUrl = document.getElementById("board-config").dataset.moveUrl;
    board.querySelectorAll(".board-cards").forEach(function (list) {
      Sortable.create(list, {
        group: "deals",
        animation: 120,
        draggable: ".deal-card",
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        forceFallback: true,
        fallbackOnBody: true,
        onEnd: function (evt) {
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
          send(board, evt, "");
        },
      });
    });
  }

  init();
})();
