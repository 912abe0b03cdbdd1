/* Assessment form: saving an answer must follow the keyboard, however fast it moves.
 *
 * Each change saves the criterion and HTMX swaps in the saved form (hx-swap="outerHTML").
 * - HTMX puts the focus back on the element with the same id, so every focusable control
 *   of a criterion carries one.
 * - The "comment and evidence link" panel stays open if it was open.
 * - Nothing typed while a save is on its way is lost: the fields that changed since the
 *   request was sent are put back into the swapped form (which has the new answer version),
 *   with the caret where it was, and saved again. (HTMX drops a request while one is in
 *   flight, and arrow keys in a radio group fire one change per key; text being typed is
 *   changed when the swap takes its field away.)
 * - Nor is a change made while the swapped-in form settles: HTMX wires a new form up only
 *   then (20 ms later, more on a busy machine), so a change event in between (a radio moved
 *   by an arrow key, a field left) reaches a form that saves nothing. Such a form is saved
 *   once it is wired up. Text still being typed fires no change and is saved when left.
 * A file, not inline script: the content security policy allows no inline script.
 */
(function () {
  "use strict";
  var open = {}, sent = {}, typed = {}, caret = {}, settling = {}, changed = {};
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
  function changedSince(before, now) {
    var diff = {}, any = false;
    Object.keys(now).forEach(function (name) {
      if (JSON.stringify(now[name]) !== JSON.stringify(before[name])) { diff[name] = now[name]; any = true; }
    });
    return any ? diff : null;
  }
  function restore(form, values) {
    form.querySelectorAll(FIELDS).forEach(function (el) {
      if (!(el.name in values)) return;
      if (el.type === "radio" || el.type === "checkbox") el.checked = values[el.name].indexOf(el.value) >= 0;
      else el.value = values[el.name];
    });
  }
  function save(form) {
    if (form.requestSubmit) form.requestSubmit();
    else htmx.trigger(form, "submit");
  }
  function caretIn(form) {
    var el = document.activeElement;
    if (!el || !el.id || !form.contains(el) || typeof el.selectionStart !== "number") return null;
    return {id: el.id, start: el.selectionStart, end: el.selectionEnd};
  }
  function putCaret(at) {
    var el = at && document.getElementById(at.id);
    if (!el) return;
    el.focus();
    try { el.setSelectionRange(at.start, at.end); } catch (e) { /* not a text field */ }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = criterion(event.detail.elt);
    if (!form) return;
    sent[form.id] = snapshot(form);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = criterion(event.detail.target);
    if (!form) return;
    var panel = form.querySelector("details.extra");
    if (panel && panel.open) open[form.id] = true;
    if (sent[form.id]) typed[form.id] = changedSince(sent[form.id], snapshot(form));
    caret[form.id] = caretIn(form);
  });
  // A swapped-in form until HTMX has wired it up, and whether it changed meanwhile.
  document.addEventListener("htmx:afterSwap", function (event) {
    var form = criterion(event.target);
    if (form) settling[form.id] = true;
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest ? event.target.closest("form.criterion") : null;
    if (form && settling[form.id]) changed[form.id] = true;
  });
  // The swapped-in form: htmx:load fires on it once HTMX has wired it up (the old form is
  // detached by then, so events on it no longer reach the document).
  document.addEventListener("htmx:load", function (event) {
    var form = criterion(event.detail.elt);
    if (!form) return;
    var id = form.id, values = typed[id], at = caret[id], late = changed[id];
    if (open[id]) {
      var panel = form.querySelector("details.extra");
      if (panel) panel.open = true;
    }
    [open, sent, typed, caret, settling, changed].forEach(function (map) { delete map[id]; });
    if (values) {
      restore(form, values);
      putCaret(at);
    }
    if (values || late) save(form);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = criterion(event.detail.elt);  // a failed request swaps nothing: still attached
    if (form && document.body.contains(form)) delete sent[form.id];
  });
})();
