// The report form's solution field: the name is typed, the id of the solution picked among
// the suggestions (a <datalist> that HTMX fills) goes in the hidden field. A name that is in
// the list once picks that solution; anything else clears the id, and the server then looks
// the typed name up (the form works without this script too).
(function () {
  function pick(input) {
    var hidden = document.getElementById(input.dataset.idField);
    var list = input.list;
    if (!hidden || !list) return;
    var matches = Array.prototype.filter.call(list.options, function (o) { return o.value === input.value; });
    hidden.value = matches.length === 1 ? matches[0].dataset.id : "";
  }
  document.addEventListener("input", function (e) {
    if (e.target.dataset && e.target.dataset.idField) pick(e.target);
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    var input = document.querySelector('[list="' + e.target.id + '"][data-id-field]');
    if (input) pick(input);
  });
})();
