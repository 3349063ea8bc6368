// The calendar: move an entry to another day (month and week) or hour (day view) by
// drag and drop with the mouse, or by dragging its handle on a touch screen (pointer
// events: HTML5 drag and drop does not work there). The keyboard and screen readers use
// each entry's "Move" form, which needs no script. A move is sent with the version the
// page showed; when someone changed the entry meanwhile (409) the page reloads and
// shows why.
(() => {
  const root = document.querySelector(".calendar");
  if (!root) return;
  const status = document.getElementById("calendar-status");
  const csrf = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  const pad = (n) => String(n).padStart(2, "0");

  function say(message, ok) {
    status.textContent = message;
    status.className = "alert py-2 " + (ok ? "alert-success" : "alert-danger");
  }

  // The new local due time: the target's date, and its hour in the day view; the rest
  // of the time of day is kept.
  function target(entry, drop) {
    const [day, time] = entry.dataset.due.split("T");
    let [hours, minutes] = time.split(":");
    if (drop.dataset.hour !== undefined) hours = pad(drop.dataset.hour);
    const due = `${drop.dataset.date}T${hours}:${minutes}`;
    return due === `${day}T${time}` ? null : due;
  }

  async function move(entry, drop) {
    const due = target(entry, drop);
    if (!due) return;
    const list = drop.querySelector(".cal-entries");
    const origin = entry.parentElement;
    const next = entry.nextElementSibling;
    list.appendChild(entry);
    drop.classList.remove("is-empty");
    const body = new URLSearchParams({ due_at: due, version: entry.dataset.version });
    let response;
    try {
      response = await fetch(`/calendar/activities/${entry.dataset.activity}/move/`, {
        method: "POST",
        headers: {
          "X-CSRFToken": csrf(),
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
        },
        body,
        credentials: "same-origin",
      });
    } catch (error) {
      origin.insertBefore(entry, next);
      say(String(error), false);
      return;
    }
    if (response.status === 409) {
      // The server keeps the explanation for the reloaded page.
      window.location.reload();
      return;
    }
    const data = await response.json().catch(() => ({ message: response.statusText }));
    if (!response.ok) {
      origin.insertBefore(entry, next);
      say(data.message || response.statusText, false);
      return;
    }
    entry.dataset.version = data.version;
    entry.dataset.due = data.due;
    const time = entry.querySelector(".cal-time");
    if (time) time.textContent = data.time;
    entry.querySelectorAll("input[name=version]").forEach((input) => (input.value = data.version));
    entry.querySelectorAll("input[name=due_at]").forEach((input) => (input.value = data.due));
    entry.classList.remove("is-overdue");
    say(data.message, true);
  }

  const clearTargets = () =>
    root.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));

  root.addEventListener("dragstart", (event) => {
    const entry = event.target.closest && event.target.closest(".cal-entry[draggable=true]");
    if (!entry) return;
    entry.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", entry.dataset.activity);
  });
  root.addEventListener("dragend", (event) => {
    const entry = event.target.closest && event.target.closest(".cal-entry");
    if (entry) entry.classList.remove("dragging");
    clearTargets();
  });
  root.addEventListener("dragover", (event) => {
    const drop = event.target.closest && event.target.closest(".cal-drop");
    if (!drop) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    drop.classList.add("drop-target");
  });
  root.addEventListener("dragleave", (event) => {
    const drop = event.target.closest && event.target.closest(".cal-drop");
    if (drop && !drop.contains(event.relatedTarget)) drop.classList.remove("drop-target");
  });
  root.addEventListener("drop", (event) => {
    const drop = event.target.closest && event.target.closest(".cal-drop");
    if (!drop) return;
    event.preventDefault();
    clearTargets();
    const id = event.dataTransfer.getData("text/plain");
    const entry = root.querySelector(`.cal-entry[data-activity="${CSS.escape(id)}"]`);
    if (entry) move(entry, drop);
  });

  // Touch and pen: drag by the handle, which does not scroll the page (touch-action).
  let touch = null;
  const dropAt = (x, y) => {
    const el = document.elementFromPoint(x, y);
    return el ? el.closest(".cal-drop") : null;
  };
  root.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest && event.target.closest(".cal-handle");
    if (!handle || event.pointerType === "mouse") return;
    const entry = handle.closest(".cal-entry");
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    touch = { entry, pointerId: event.pointerId, drop: null };
    entry.classList.add("dragging");
  });
  root.addEventListener("pointermove", (event) => {
    if (!touch || event.pointerId !== touch.pointerId) return;
    const drop = dropAt(event.clientX, event.clientY);
    if (drop !== touch.drop) {
      clearTargets();
      if (drop) drop.classList.add("drop-target");
      touch.drop = drop;
    }
  });
  const endTouch = (event, dropIt) => {
    if (!touch || event.pointerId !== touch.pointerId) return;
    const { entry } = touch;
    const drop = dropIt ? dropAt(event.clientX, event.clientY) : null;
    touch = null;
    entry.classList.remove("dragging");
    clearTargets();
    if (drop) move(entry, drop);
  };
  root.addEventListener("pointerup", (event) => endTouch(event, true));
  root.addEventListener("pointercancel", (event) => endTouch(event, false));
})();
