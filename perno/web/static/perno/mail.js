// E-mail: drop a forwarded message (.eml) on a record; apply a template when chosen.
// No inline scripts (strict CSP); the forms work without this file too.
(() => {
  if (window.pernoMail) return; // the drop zone may include this file more than once
  window.pernoMail = true;

  const zoneOf = (event) =>
    event.target instanceof Element ? event.target.closest("form[data-eml-drop]") : null;

  document.addEventListener("dragover", (event) => {
    const zone = zoneOf(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.add("eml-drop-over");
  });
  document.addEventListener("dragleave", (event) => {
    const zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("eml-drop-over");
  });
  document.addEventListener("drop", (event) => {
    const zone = zoneOf(event);
    if (!zone || !event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    zone.classList.remove("eml-drop-over");
    const input = zone.querySelector("input[type=file]");
    const files = new DataTransfer();
    files.items.add(event.dataTransfer.files[0]);
    input.files = files.files;
    zone.requestSubmit();
  });

  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.dataset.mailTemplate) return;
    if (!select.value || !select.form) return;
    const apply = select.form.querySelector("[data-mail-apply]");
    if (apply) select.form.requestSubmit(apply);
  });
})();
