// Import wizard: a file over the upload limit is refused before it is sent (the server
// would answer 413 with a bare message); the field says why and what to do.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) return;
  const limit = Number(input.dataset.maxBytes);
  const file = input.files && input.files[0];
  const too = file && file.size > limit;
  input.setCustomValidity(too ? input.dataset.tooLarge : "");
  input.classList.toggle("is-invalid", Boolean(too));
  const note = document.getElementById(input.dataset.errorTarget);
  if (note) {
    note.textContent = too ? input.dataset.tooLarge : "";
    note.classList.toggle("d-none", !too);
  }
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const input = form.querySelector("input[type=file][data-max-bytes]");
  if (input && !input.checkValidity()) {
    event.preventDefault();
    input.reportValidity();
  }
});
