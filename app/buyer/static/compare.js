// The comparison's checkboxes sit inside the search form: their clicks must not start a search.
document.addEventListener("input", function (event) {
  if (event.target.classList && event.target.classList.contains("compare-pick")) event.stopPropagation();
}, true);
document.addEventListener("change", function (event) {
  if (event.target.classList && event.target.classList.contains("compare-pick")) event.stopPropagation();
}, true);
document.addEventListener("click", function (event) {
  if (event.target.id === "compare-print") window.print();
});
