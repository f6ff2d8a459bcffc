// The portal's page behaviours, driven by data- attributes: the Content-Security-Policy allows
// scripts from our own static files only, so no page carries inline script or on* handlers.
(function () {
  "use strict";

  // <form data-confirm="Remove the key?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-no-submit")) {
      event.preventDefault(); // a form that only groups controls (type-ahead search)
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // <div hx-trigger="every 2s" data-poll-when-visible>: polls only while the tab is in view. (An
  // htmx trigger filter would do it, but htmx evaluates filters with Function(), which the
  // policy forbids.)
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    if (document.hidden && source && source.hasAttribute("data-poll-when-visible")) {
      event.preventDefault();
    }
  });

  // <input type="checkbox" data-select-all="ids">: ticks every box named "ids" in its form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-select-all");
    if (name && box.form) {
      box.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (other) {
        other.checked = box.checked;
      });
    }
  });

  // <input data-select-on-focus>: the whole value is selected, ready to copy.
  function selectAll(event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) {
      event.target.select();
    }
  }
  document.addEventListener("focusin", selectAll);
  document.addEventListener("click", selectAll);

  // <input type="file" data-max-mb="10" data-too-large="...">: refuse a file that is too big
  // before uploading it (the server refuses it too, but only once the upload has started).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file" || !input.hasAttribute("data-max-mb")) {
      return;
    }
    var limit = Number(input.getAttribute("data-max-mb")) * 1024 * 1024;
    var file = input.files && input.files[0];
    var message = file && file.size > limit ? input.getAttribute("data-too-large") : "";
    input.setCustomValidity(message);
    if (message) {
      input.reportValidity();
    }
  });

  // <form data-set-password-link data-link-incomplete="id">: the link's token comes after "#"
  // (never sent to a server, so never in a log). Put it in the form, and take it out of the
  // address bar and the history.
  function readSetPasswordLink() {
    var form = document.querySelector("form[data-set-password-link]");
    if (!form) {
      return;
    }
    var found = /^#([A-Za-z0-9_-]+)\.([A-Za-z0-9-]+)$/.exec(window.location.hash);
    if (found) {
      form.elements.uid.value = found[1];
      form.elements.token.value = found[2];
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    if (!form.elements.token.value) {
      var warning = document.getElementById(form.getAttribute("data-link-incomplete"));
      if (warning) {
        warning.hidden = false;
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", readSetPasswordLink);
  } else {
    readSetPasswordLink();
  }
})();
