// Manager > Members: a box that ticks every row of the page, a count of the ticked rows, and
// only the cohort or tag list the chosen action needs. Without this file each row is ticked by
// hand and both lists show; the server checks everything either way.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-bulk]").forEach(setUp);
  });

  function setUp(form) {
    var all = form.querySelector("[data-select-all]");
    var rows = Array.prototype.slice.call(form.querySelectorAll("input[name='bulk-members']"));
    var count = form.querySelector("[data-bulk-count]");
    var action = form.querySelector("select[name='bulk-action']");

    function update() {
      var ticked = rows.filter(function (box) { return box.checked; }).length;
      if (all) {
        all.checked = ticked > 0 && ticked === rows.length;
        all.indeterminate = ticked > 0 && ticked < rows.length;
      }
      if (count) {
        count.textContent = ticked ? ticked + " selected" : "None selected";
        count.hidden = false;
      }
    }

    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        rows.forEach(function (box) { box.checked = all.checked; });
        update();
      });
    }
    rows.forEach(function (box) { box.addEventListener("change", update); });
    update();

    function showChoice() {
      form.querySelectorAll("[data-bulk-for]").forEach(function (part) {
        // A list with an error stays in sight, whatever is chosen.
        part.hidden = part.getAttribute("data-bulk-for") !== action.value && !part.querySelector(".error");
      });
    }
    if (action) {
      action.addEventListener("change", showChoice);
      showChoice();
    }
  }
})();
