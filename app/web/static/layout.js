/* The layout at small widths: the header's menu button and the filter panels of list pages.
 *
 * Both are disclosure buttons (button.disclosure with aria-expanded and aria-controls); the
 * CSS hides what a closed one controls, and only at widths where the button is shown.
 * Loaded in <head> without defer, so the "js" class is on <html> before the first paint:
 * a phone never sees the menu or the filters flash open. Without script nothing is hidden.
 * HTMX swaps in fresh markup with its buttons closed; the ones the user opened are opened
 * again. A file, not inline script: the content security policy allows no inline script.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var opened = {};

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    opened[button.getAttribute("aria-controls")] = open;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.disclosure[aria-controls]");
    if (button) setOpen(button, button.getAttribute("aria-expanded") !== "true");
  });

  // Escape closes the menu while the focus is in it, and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    var button = document.querySelector(".menu-toggle[aria-expanded=true]");
    if (event.key !== "Escape" || !button) return;
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (menu && (menu.contains(document.activeElement) || document.activeElement === button)) {
      setOpen(button, false);
      button.focus();
    }
  });

  document.addEventListener("htmx:load", function (event) {
    event.target.querySelectorAll("button.disclosure[aria-controls]").forEach(function (button) {
      if (opened[button.getAttribute("aria-controls")]) button.setAttribute("aria-expanded", "true");
    });
  });
}());
