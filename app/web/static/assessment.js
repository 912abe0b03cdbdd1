/* Assessment form: saving an answer must follow the keyboard, however fast it moves.
 *
 * Each change saves the criterion and HTMX swaps in the saved form (hx-swap="outerHTML").
 * - HTMX puts the focus back on the element with the same id, so every focusable control
 *   of a criterion carries one.
 * - The "comment and evidence link" panel stays open if it was open.
 * - A change made while the previous save is on its way (arrow keys in a radio group fire
 *   one change per key) is not lost: HTMX drops a request while one is in flight, so the
 *   values are kept, put back into the swapped form (which has the new answer version)
 *   and saved again.
 * A file, not inline script: the content security policy allows no inline script.
 */
(function () {
  "use strict";
  var open = {}, inflight = {}, again = {};
  var FIELDS = "input[name]:not([type=hidden]), textarea[name], select[name]";

  function criterion(el) {
    return el && el.matches && el.matches("form.criterion") ? el : null;
  }
  function snapshot(form) {
    var values = {};
    form.querySelectorAll(FIELDS).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        values[el.name] = values[el.name] || [];
        if (el.checked) values[el.name].push(el.value);
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }
  function restore(form, values) {
    form.querySelectorAll(FIELDS).forEach(function (el) {
      if (!(el.name in values)) return;
      if (el.type === "radio" || el.type === "checkbox") el.checked = values[el.name].indexOf(el.value) >= 0;
      else el.value = values[el.name];
    });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = criterion(event.detail.elt);
    if (form) inflight[form.id] = true;
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.criterion");
    if (form && inflight[form.id]) again[form.id] = snapshot(form);
  }, true);
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = criterion(event.detail.target);
    if (!form) return;
    var panel = form.querySelector("details.extra");
    if (panel && panel.open) open[form.id] = true;
  });
  // The swapped-in form: htmx:load fires on it once HTMX has wired it up (the old form is
  // detached by then, so events on it no longer reach the document).
  document.addEventListener("htmx:load", function (event) {
    var form = criterion(event.detail.elt);
    if (!form) return;
    var id = form.id, values = again[id];
    if (open[id]) {
      var panel = form.querySelector("details.extra");
      if (panel) panel.open = true;
    }
    delete open[id];
    delete inflight[id];
    delete again[id];
    if (values) {
      restore(form, values);
      if (form.requestSubmit) form.requestSubmit();
      else htmx.trigger(form, "submit");
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = criterion(event.detail.elt);  // a failed request swaps nothing: still attached
    if (form && document.body.contains(form)) delete inflight[form.id];
  });
})();
