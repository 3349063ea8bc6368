// The search box on every page: "/" or Ctrl+K (⌘K) focuses it; suggestions (loaded by
// htmx as you type) are a listbox navigated with ↑/↓, opened with Enter, closed with Esc.
(() => {
  const box = document.getElementById("global-search");
  const list = document.getElementById("search-suggestions");
  if (!box || !list) return;
  let active = -1;

  const options = () => Array.from(list.querySelectorAll("[role=option]"));
  const show = (open) => {
    list.classList.toggle("show", open);
    box.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) {
      active = -1;
      box.removeAttribute("aria-activedescendant");
    }
  };
  const select = (index) => {
    const items = options();
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach((item, i) => {
      item.classList.toggle("active", i === active);
      item.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    box.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  };

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing =
      target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement ||
      (target instanceof HTMLElement && target.isContentEditable);
    if ((event.key === "k" || event.key === "K") && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      box.focus();
      box.select();
    } else if (event.key === "/" && !typing) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  box.addEventListener("keydown", (event) => {
    const open = list.classList.contains("show");
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open && options().length) show(true);
      select(active + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      select(active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      window.location.assign(options()[active].getAttribute("href"));
    } else if (event.key === "Escape" && open) {
      event.preventDefault(); // close the list, keep what was typed (a 2nd Esc clears)
      show(false);
    }
  });
  box.addEventListener("input", () => {
    if (box.value.trim().length === 0) {
      list.innerHTML = "";
      show(false);
    }
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== list) return;
    active = -1;
    show(box.value.trim().length > 0 && list.children.length > 0);
  });
  document.addEventListener("click", (event) => {
    if (!box.form.contains(event.target)) show(false);
  });
})();
