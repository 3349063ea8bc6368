// Perno: small progressive enhancements (no inline scripts, for a strict CSP).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  // A confirmation on the button pressed, or on the whole form.
  const message = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});

// Selects over large tables offer only the chosen row; a search box above them loads
// matching options from the server as the user types (also in content htmx swaps in).
function initLookup(select) {
  if (select.dataset.lookupReady) return;
  select.dataset.lookupReady = "1";
  const search = document.createElement("input");
  search.type = "search";
  search.className = "form-control form-control-sm mb-1";
  search.placeholder = select.dataset.lookupPlaceholder || "";
  search.setAttribute("aria-label", `${select.labels[0] ? select.labels[0].textContent : ""}: ${search.placeholder}`);
  select.parentNode.insertBefore(search, select);
  let timer;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const url = `${select.dataset.lookupUrl}?q=${encodeURIComponent(search.value)}`;
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      select.innerHTML = await response.text();
      if (select.options.length > 1) select.selectedIndex = 1;
    }, 250);
  });
}
const initLookups = (root) => root.querySelectorAll("select[data-lookup-url]").forEach(initLookup);
initLookups(document);
document.addEventListener("htmx:load", (event) => initLookups(event.target));

// Segment criteria: the value control follows the chosen field (a list of users or
// teams for "owner" and "team", a text box otherwise).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (!(el instanceof HTMLSelectElement) || !el.classList.contains("criteria-field")) return;
  const row = el.closest(".criteria-row");
  if (row) row.dataset.field = el.value;
});
