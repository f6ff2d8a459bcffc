/* Lusha Portal: the main navigation collapses behind a Menu button on narrow screens.
 * A disclosure button (aria-expanded); without JavaScript the menu simply stays open.
 * A table wider than a phone scrolls inside its box: it takes the focus then, so the keyboard
 * can scroll it too. */
(function () {
  "use strict";

  function scrollables() {
    for (const box of document.querySelectorAll("main table, .table-scroll")) {
      const wide = box.scrollWidth > box.clientWidth + 1;
      if (wide && !box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
      if (!wide && box.getAttribute("tabindex") === "0") box.removeAttribute("tabindex");
    }
  }

  window.addEventListener("resize", scrollables);
  document.addEventListener("htmx:afterSettle", scrollables);
  document.addEventListener("DOMContentLoaded", () => {
    scrollables();
    const button = document.querySelector(".menu-button");
    const menu = document.getElementById("topbar-menu");
    if (!button || !menu) return;
    document.documentElement.classList.add("nav-collapsible");
    button.hidden = false;
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
  });
})();
