/* Lusha Portal: the main navigation collapses behind a Menu button on narrow screens.
 * A disclosure button (aria-expanded); without JavaScript the menu simply stays open. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
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
