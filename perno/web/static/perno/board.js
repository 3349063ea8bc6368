// Pipeline board: move deals between stages by drag and drop (mouse), by dragging the
// card's handle (touch and pen, with pointer events: HTML5 drag and drop does not work
// on touch screens) or with the keyboard. A move to a lost stage asks why.
(() => {
  const board = document.querySelector(".board");
  if (!board) return;
  const status = document.getElementById("board-status");
  const dialog = document.getElementById("lost-dialog");
  const csrf = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  const columns = () => Array.from(board.querySelectorAll(".board-cards"));

  function say(message, ok) {
    status.textContent = message;
    status.className = "alert " + (ok ? "alert-success" : "alert-danger");
  }

  // The reason for a lost deal, or null when the user cancels.
  function askReason() {
    if (!dialog) return Promise.resolve(null);
    const text = dialog.querySelector("textarea");
    const error = dialog.querySelector("#lost-reason-error");
    text.value = "";
    error.classList.add("d-none");
    return new Promise((resolve) => {
      const done = () => {
        dialog.removeEventListener("close", done);
        resolve(dialog.returnValue === "lost" && text.value.trim() ? text.value.trim() : null);
      };
      dialog.addEventListener("close", done);
      dialog.returnValue = "";
      dialog.showModal();
      text.focus();
    });
  }
  if (dialog) {
    dialog.querySelector("[data-close-dialog]").addEventListener("click", () => dialog.close("cancel"));
    dialog.querySelector("form").addEventListener("submit", (event) => {
      const text = dialog.querySelector("textarea");
      if (event.submitter && event.submitter.value === "lost" && !text.value.trim()) {
        event.preventDefault();
        dialog.querySelector("#lost-reason-error").classList.remove("d-none");
        text.focus();
      }
    });
  }

  async function move(card, list) {
    const column = list.closest(".board-column");
    let reason = null;
    if (column && column.dataset.kind === "lost") {
      reason = await askReason();
      if (reason === null) {
        card.focus();
        return;
      }
    }
    const origin = card.parentElement;
    const next = card.nextElementSibling;
    list.appendChild(card);
    const body = new URLSearchParams({ stage: list.dataset.stage, version: card.dataset.version });
    if (reason !== null) body.set("reason", reason);
    let response;
    try {
      response = await fetch(`/deals/${card.dataset.deal}/move/`, {
        method: "POST",
        headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
        body,
        credentials: "same-origin",
      });
    } catch (error) {
      origin.insertBefore(card, next);
      say(String(error), false);
      return;
    }
    const data = await response.json().catch(() => ({ message: response.statusText }));
    if (response.ok) {
      card.dataset.version = data.version;
      say(data.message, true);
    } else {
      origin.insertBefore(card, next);
      say(data.message || response.statusText, false);
    }
    card.focus();
  }

  board.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".board-card");
    if (!card) return;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.deal);
  });
  board.addEventListener("dragend", (event) => {
    const card = event.target.closest(".board-card");
    if (card) card.classList.remove("dragging");
    board.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));
  });
  board.addEventListener("dragover", (event) => {
    const column = event.target.closest(".board-column");
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("drop-target");
  });
  board.addEventListener("dragleave", (event) => {
    const column = event.target.closest(".board-column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });
  board.addEventListener("drop", (event) => {
    const column = event.target.closest(".board-column");
    if (!column) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    const id = event.dataTransfer.getData("text/plain");
    const card = board.querySelector(`.board-card[data-deal="${CSS.escape(id)}"]`);
    const list = column.querySelector(".board-cards");
    if (card && list && card.parentElement !== list) move(card, list);
  });
  // Touch and pen: drag by the handle. The handle does not scroll the page
  // (touch-action: none), so the board and the page still scroll everywhere else.
  let touchDrag = null;
  const columnAt = (x, y) => {
    const el = document.elementFromPoint(x, y);
    return el ? el.closest(".board-column") : null;
  };
  const clearTargets = () =>
    board.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));
  board.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest(".board-handle");
    if (!handle || event.pointerType === "mouse") return;
    const card = handle.closest(".board-card");
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    touchDrag = { card, pointerId: event.pointerId, column: null };
    card.classList.add("dragging");
  });
  board.addEventListener("pointermove", (event) => {
    if (!touchDrag || event.pointerId !== touchDrag.pointerId) return;
    const column = columnAt(event.clientX, event.clientY);
    if (column !== touchDrag.column) {
      clearTargets();
      if (column) column.classList.add("drop-target");
      touchDrag.column = column;
    }
  });
  const endTouchDrag = (event, drop) => {
    if (!touchDrag || event.pointerId !== touchDrag.pointerId) return;
    const { card } = touchDrag;
    const column = drop ? columnAt(event.clientX, event.clientY) : null;
    touchDrag = null;
    card.classList.remove("dragging");
    clearTargets();
    const list = column ? column.querySelector(".board-cards") : null;
    if (list && card.parentElement !== list) move(card, list);
  };
  board.addEventListener("pointerup", (event) => endTouchDrag(event, true));
  board.addEventListener("pointercancel", (event) => endTouchDrag(event, false));

  board.addEventListener("keydown", (event) => {
    const card = event.target.closest(".board-card");
    if (!card || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
    const lists = columns();
    const index = lists.indexOf(card.parentElement) + (event.key === "ArrowRight" ? 1 : -1);
    if (index < 0 || index >= lists.length) return;
    event.preventDefault();
    move(card, lists[index]);
  });
})();
