// Selection of list rows for bulk changes. The selection lives in sessionStorage per
// list and filter, so rows ticked on several pages are changed together; "every record
// matching this filter" is the filter plus the rows unticked afterwards (never a list
// of every id). Without JavaScript the ticked rows of the page are sent as they are.
(function () {
  "use strict";
  const form = document.querySelector("[data-bulk-form]");
  if (!form) return;
  const key = "perno:bulk:" + form.dataset.bulkList;

  function table() { return document.querySelector("[data-bulk-table]"); }
  function query() { const t = table(); return t ? t.dataset.bulkQuery : ""; }

  function load() {
    let state = null;
    try { state = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { state = null; }
    if (!state || state.query !== query()) {
      const t = table();
      state = { query: query(), asOf: t ? t.dataset.bulkAsOf : "", everything: false, ids: [], exclude: [] };
    }
    return state;
  }
  function save(state) { sessionStorage.setItem(key, JSON.stringify(state)); }
  function rows() { return Array.from(document.querySelectorAll("[data-bulk-row]")); }

  function render() {
    const state = load();
    rows().forEach(function (box) {
      box.disabled = false;
      box.checked = state.everything ? state.exclude.indexOf(box.value) < 0 : state.ids.indexOf(box.value) >= 0;
    });
    const all = rows().length > 0 && rows().every(function (box) { return box.checked; });
    const page = document.querySelector("[data-bulk-page]");
    if (page) page.checked = all;
    const banner = document.querySelector("[data-bulk-banner]");
    if (banner) banner.hidden = !(all && !state.everything && document.querySelector("a[rel=next], a[rel=prev]"));
    const status = form.querySelector("[data-bulk-status]");
    const clear = form.querySelector("[data-bulk-clear]");
    if (state.everything) {
      status.textContent = state.exclude.length
        ? form.dataset.msgExcept.replace("{n}", state.exclude.length)
        : form.dataset.msgAll;
    } else if (state.ids.length) {
      status.textContent = form.dataset.msgSome.replace("{n}", state.ids.length);
    }
    clear.hidden = !(state.everything || state.ids.length);
    if ((state.everything || state.ids.length) && window.htmx) {
      window.htmx.trigger(form.querySelector("[data-bulk-fields]"), "bulk-open");
    }
  }

  function toggle(box) {
    const state = load();
    const list = state.everything ? state.exclude : state.ids;
    const want = state.everything ? !box.checked : box.checked;
    const at = list.indexOf(box.value);
    if (want && at < 0) list.push(box.value);
    if (!want && at >= 0) list.splice(at, 1);
    save(state);
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches("[data-bulk-row]")) { toggle(target); render(); }
    if (target.matches("[data-bulk-page]")) {
      rows().forEach(function (box) { box.checked = target.checked; toggle(box); });
      render();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.matches("[data-bulk-everything]")) {
      const state = load();
      state.everything = true; state.ids = []; state.exclude = [];
      save(state); render();
    }
    if (event.target.matches("[data-bulk-clear]")) {
      sessionStorage.removeItem(key); render();
      form.querySelector("[data-bulk-status]").textContent = "";
    }
  });
  form.addEventListener("submit", function () {
    const state = load();
    form.querySelector("[data-bulk-query]").value = state.query;
    form.querySelector("[data-bulk-as-of]").value = state.asOf;
    form.querySelector("[data-bulk-everything-input]").value = state.everything ? "1" : "0";
    rows().forEach(function (box) { box.disabled = true; }); // the stored selection is sent instead
    (state.everything ? state.exclude : state.ids).forEach(function (id) {
      const input = document.createElement("input");
      input.type = "hidden"; input.name = state.everything ? "exclude" : "ids"; input.value = id;
      form.appendChild(input);
    });
    sessionStorage.removeItem(key);
  });
  document.addEventListener("htmx:afterSwap", render);
  window.addEventListener("pageshow", render);
  render();
})();
