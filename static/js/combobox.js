/* Lusha Portal: a multi-choice combobox with chips, after the WAI-ARIA 1.2 combobox pattern
 * (an editable combobox with a listbox popup, aria-activedescendant for the active option).
 *
 * Written by hand rather than vendoring a widget library: the filters need include *and*
 * exclude per value, choices that live as hidden inputs of the filter form (the URL stays the
 * source of truth), suggestions rendered by the server, and a strict CSP (no inline styles),
 * which the libraries we looked at (Tom Select, Choices.js) do not give together.
 *
 * Markup (templates/prospecting/_filter.html):
 *   <div data-combo data-name="departments" data-exclude-name="not_departments"
 *        [data-lookup="/prospecting/typeahead/?kind=..&key=.."] [data-entry]>
 *     <ul class="combo-chips"> <li class="chip" data-value data-side> hidden input, remove button
 *     <input class="combo-input" role="combobox" aria-controls=...>
 *     <button data-mode aria-pressed="false">Exclude</button>
 *     <ul role="listbox"> <li role="option" data-value data-label>
 * Keys: type to narrow (or to ask the server), Down/Up move, Enter or Space toggle the active
 * choice, Escape closes, Enter with nothing active submits the form (searches).
 * Every change dispatches `filters-changed` on the form.
 */
(function () {
  "use strict";

  const ready = new WeakSet();
  let ids = 0;

  function status() {
    let region = document.getElementById("combo-status");
    if (!region) {
      region = document.createElement("div");
      region.id = "combo-status";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      document.body.appendChild(region);
    }
    return region;
  }

  function announce(text) {
    status().textContent = text;
  }

  function init(root) {
    if (ready.has(root)) return;
    ready.add(root);
    const input = root.querySelector(".combo-input");
    const list = root.querySelector("[role=listbox]");
    const chips = root.querySelector(".combo-chips");
    const mode = root.querySelector("[data-mode]");
    const label = root.dataset.label || "";
    const lookup = root.dataset.lookup || "";
    const entry = "entry" in root.dataset;
    let active = -1;
    let navigated = false;
    let timer = null;
    let asked = null;

    const form = () => root.closest("form");
    const excluding = () => Boolean(mode) && mode.getAttribute("aria-pressed") === "true";
    const chosen = () =>
      new Map([...chips.querySelectorAll(".chip")].map((c) => [c.dataset.value, c.dataset.side]));
    const options = () =>
      [...list.querySelectorAll("[role=option]")].filter(
        (o) => !o.hidden && o.getAttribute("aria-disabled") !== "true",
      );

    function changed() {
      const details = root.closest("details");
      const badge = details && details.querySelector("[data-count]");
      if (badge) {
        const count = chips.querySelectorAll(".chip").length;
        badge.firstChild.nodeValue = String(count);
        badge.hidden = count === 0;
      }
      const owner = form();
      if (owner) owner.dispatchEvent(new CustomEvent("filters-changed", { bubbles: true }));
    }

    function mark() {
      const map = chosen();
      for (const option of list.querySelectorAll("[role=option][data-value]")) {
        const side = map.get(option.dataset.value);
        option.setAttribute("aria-selected", side ? "true" : "false");
        option.classList.toggle("option-excluded", side === "exclude");
      }
    }

    function chipFor(value, text, side) {
      const chip = document.createElement("li");
      chip.className = side === "exclude" ? "chip chip-exclude" : "chip";
      chip.dataset.value = value;
      chip.dataset.side = side;
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = side === "exclude" ? root.dataset.excludeName : root.dataset.name;
      hidden.value = value;
      const words = document.createElement("span");
      const shown = side === "exclude" ? "Not " + text : text;
      words.textContent = shown;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "chip-remove";
      remove.setAttribute("aria-label", "Remove " + (side === "exclude" ? "not " + text : text));
      remove.textContent = "×";
      chip.append(hidden, words, remove);
      return chip;
    }

    function removeChip(value) {
      for (const chip of chips.querySelectorAll(".chip")) {
        if (chip.dataset.value === value) chip.remove();
      }
    }

    function choose(value, text) {
      const side = excluding() ? "exclude" : "include";
      const was = chosen().get(value);
      removeChip(value);
      if (was === side) {
        announce("Removed " + text + " from " + label);
      } else {
        chips.appendChild(chipFor(value, text, side));
        announce((side === "exclude" ? "Excluding " : "Added ") + text + " to " + label);
      }
      mark();
      changed();
    }

    function toggle(option) {
      if (option.dataset.entryOption !== undefined) {
        const text = option.dataset.value;
        choose(text, text);
        input.value = "";
        narrow();
        return;
      }
      choose(option.dataset.value, option.dataset.label || option.textContent.trim());
      if (input.value && !navigated) {
        input.value = "";
        narrow();
      }
    }

    function setActive(index) {
      const all = options();
      for (const option of list.querySelectorAll(".active")) option.classList.remove("active");
      active = index;
      const option = all[index];
      if (index >= 0 && option) {
        if (!option.id) option.id = "combo-option-" + ++ids;
        option.classList.add("active");
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        active = -1;
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      if (!list.hidden) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function entryOption(text) {
      let option = list.querySelector("[data-entry-option]");
      if (!text) {
        if (option) option.remove();
        return;
      }
      if (!option) {
        option = document.createElement("li");
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.entryOption = "";
        list.prepend(option);
      }
      option.dataset.value = text;
      option.textContent = "Add “" + text + "”";
    }

    function narrow() {
      const query = input.value.trim().toLowerCase();
      if (lookup) return ask(query);
      for (const option of list.querySelectorAll("[role=option]:not([data-entry-option])")) {
        option.hidden = Boolean(query) && !option.textContent.toLowerCase().includes(query);
      }
      if (entry) entryOption(input.value.trim());
      const count = options().length;
      if (count || entry) open();
      setActive(query && count ? 0 : -1);
      if (query) announce(count ? count + " choices" : "No matching choices");
    }

    function ask(query) {
      clearTimeout(timer);
      if (query.length < 2) {
        list.replaceChildren();
        close();
        return;
      }
      timer = setTimeout(() => {
        asked = query;
        const url = lookup + "&query=" + encodeURIComponent(query);
        fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
          .then((answer) => answer.text())
          .then((html) => {
            if (asked !== query) return; // a later query is on its way
            const holder = document.createElement("ul");
            holder.innerHTML = html; // our own server's escaped partial
            list.replaceChildren(...holder.children);
            mark();
            open();
            const count = options().length;
            setActive(count ? 0 : -1);
            announce(count ? count + " suggestions" : "No suggestions");
          })
          .catch(() => announce("Suggestions are unavailable right now"));
      }, 250);
    }

    input.addEventListener("input", () => {
      navigated = false;
      narrow();
    });
    input.addEventListener("click", () => {
      if (!lookup) {
        open();
      }
    });
    input.addEventListener("keydown", (event) => {
      const all = options();
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          open();
          navigated = true;
          setActive(Math.min(active + 1, all.length - 1));
          break;
        case "ArrowUp":
          event.preventDefault();
          navigated = true;
          setActive(Math.max(active - 1, 0));
          break;
        case "Enter":
          if (!list.hidden && active >= 0 && all[active]) {
            event.preventDefault();
            toggle(all[active]);
          } else if (entry && input.value.trim()) {
            event.preventDefault();
            const text = input.value.trim();
            choose(text, text);
            input.value = "";
            narrow();
          } else {
            close(); // and the form submits: Enter searches
          }
          break;
        case " ":
          if (!list.hidden && active >= 0 && all[active] && (navigated || !input.value)) {
            event.preventDefault();
            toggle(all[active]);
          }
          break;
        case "Escape":
          if (!list.hidden) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });
    list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
    list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option && option.getAttribute("aria-disabled") !== "true") {
        setActive(options().indexOf(option));
        toggle(option);
      }
    });
    chips.addEventListener("click", (event) => {
      const button = event.target.closest(".chip-remove");
      if (!button) return;
      const chip = button.closest(".chip");
      const text = chip.querySelector("span").textContent;
      chip.remove();
      mark();
      announce("Removed " + text);
      changed();
      input.focus();
    });
    if (mode) {
      mode.addEventListener("click", () => {
        const on = !excluding();
        mode.setAttribute("aria-pressed", on ? "true" : "false");
        announce(on ? "New choices exclude" : "New choices include");
        input.focus();
      });
    }
    root.addEventListener("focusout", (event) => {
      if (!root.contains(event.relatedTarget)) close();
    });
    mark();
  }

  /** Remove one chosen value (the "Active filters" chips above the results call this). */
  function removeValue(form, name, value) {
    for (const hidden of form.querySelectorAll("input[name]")) {
      if (hidden.name === name && hidden.value === value) {
        const chip = hidden.closest(".chip");
        const combo = hidden.closest("[data-combo]");
        if (chip) chip.remove();
        else hidden.value = "";
        if (combo) {
          const details = combo.closest("details");
          const badge = details && details.querySelector("[data-count]");
          const count = combo.querySelectorAll(".chip").length;
          if (badge) {
            badge.firstChild.nodeValue = String(count);
            badge.hidden = count === 0;
          }
          for (const option of combo.querySelectorAll("[role=option]")) {
            if (option.dataset.value === value) option.setAttribute("aria-selected", "false");
          }
        }
        return true;
      }
    }
    return false;
  }

  window.PortalCombobox = {
    initAll(scope) {
      for (const root of (scope || document).querySelectorAll("[data-combo]")) init(root);
    },
    removeValue,
  };
})();
