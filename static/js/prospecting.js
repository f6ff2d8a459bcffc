/* Lusha Portal: the prospecting page's filter form.
 * Comboboxes (combobox.js), ranges and dates change hidden inputs of the filter form and ask
 * htmx to refresh the results region (`filters-changed`); the URL is pushed, so it stays the
 * source of truth. Empty values are left out of the request, so the address stays short.
 */
(function () {
  "use strict";

  function filterForm() {
    return document.querySelector("[data-filter-form]");
  }

  function changed() {
    const form = filterForm();
    if (form) form.dispatchEvent(new CustomEvent("filters-changed", { bubbles: true }));
  }

  const ready = new WeakSet(); // not a data- attribute: htmx's history snapshots keep those

  function initRanges(scope) {
    for (const range of scope.querySelectorAll("[data-range]")) {
      if (ready.has(range)) continue;
      ready.add(range);
      const hidden = range.querySelector("[data-range-value]");
      const low = range.querySelector("[data-range-min]");
      const high = range.querySelector("[data-range-max]");
      const [start, end] = (hidden.value || "-").split("-");
      low.value = start || "";
      high.value = end || "";
      const update = () => {
        hidden.value = low.value || high.value ? `${low.value}-${high.value}` : "";
        const details = range.closest("details");
        const badge = details && details.querySelector("[data-count]");
        if (badge) {
          badge.firstChild.nodeValue = hidden.value ? "1" : "0";
          badge.hidden = !hidden.value;
        }
      };
      low.addEventListener("input", update);
      high.addEventListener("input", update);
      low.addEventListener("change", changed);
      high.addEventListener("change", changed);
    }
    for (const input of scope.querySelectorAll("[data-filter-input]")) {
      if (ready.has(input)) continue;
      ready.add(input);
      input.addEventListener("change", changed);
    }
  }

  function init(scope) {
    if (window.PortalCombobox) window.PortalCombobox.initAll(scope);
    initRanges(scope);
  }

  // Leave empty fields out of the filter form's requests (`signalsSince=` means nothing).
  document.addEventListener("htmx:configRequest", (event) => {
    const form = filterForm();
    if (!form || event.detail.elt !== form) return;
    const data = event.detail.formData;
    for (const [name, value] of [...data.entries()]) {
      if (value === "") data.delete(name);
    }
  });

  // "Active filters" above the results: removing one removes it from the panel too.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-chip-remove]");
    const form = filterForm();
    if (!link || !form) return;
    if (window.PortalCombobox.removeValue(form, link.dataset.key, link.dataset.value)) {
      event.preventDefault();
      changed();
    }
  });

  // On a phone the filters fold away once there are results to read (the summary opens them).
  function foldOnPhone() {
    const groups = document.querySelector("[data-filter-groups]");
    const narrow = window.matchMedia("(max-width: 760px)").matches;
    if (groups && narrow && document.querySelector("#results-region table")) groups.open = false;
  }

  document.addEventListener("DOMContentLoaded", () => {
    init(document);
    foldOnPhone();
  });
  document.addEventListener("htmx:load", (event) => init(event.target));
  // A page restored from htmx's history cache is new markup: bind it again.
  document.addEventListener("htmx:historyRestore", () => init(document));
})();
