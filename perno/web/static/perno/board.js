// Pipeline board: move deals between stages by drag and drop or with the keyboard.
(() => {
  const board = document.querySelector(".board");
  if (!board) return;
  const status = document.getElementById("board-status");
  const csrf = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  const columns = () => Array.from(board.querySelectorAll(".board-cards"));

  function say(message, ok) {
    status.textContent = message;
    status.className = "alert " + (ok ? "alert-success" : "alert-danger");
  }

  async function move(card, list) {
    const origin = card.parentElement;
    const next = card.nextElementSibling;
    list.appendChild(card);
    const body = new URLSearchParams({ stage: list.dataset.stage, version: card.dataset.version });
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
