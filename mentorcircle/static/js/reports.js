// Reports. From and To, and the period's hint about them, show only with the Custom period (or
// when one of the days has an error);
// typing a day chooses Custom; and the address after Show holds only the filled filters.
// Without this file, all fields show and are all sent: the page reads them the same way.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var period = document.querySelector("[data-report-period]");
    if (!period || !period.form) return;
    var form = period.form;
    var days = Array.prototype.slice.call(form.querySelectorAll("[data-custom-day]"));
    var groups = days.map(function (input) {
      return input.closest(".field") || input.parentElement;
    });
    var hint = document.getElementById(period.id + "_helptext");
    if (hint) groups.push(hint);
    var hasError = days.some(function (input) {
      return input.getAttribute("aria-invalid") === "true";
    });

    function showDays() {
      var custom = period.value === "custom" || hasError;
      groups.forEach(function (group) {
        group.hidden = !custom;
      });
    }

    days.forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.value) period.value = "custom";
      });
    });
    period.addEventListener("change", function () {
      hasError = false;
      showDays();
    });
    showDays();

    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name], select[name]").forEach(function (field) {
        var unused = field.hasAttribute("data-custom-day") && period.value !== "custom";
        if (!field.value || unused) field.disabled = true;
      });
    });
    // Back to this page from the report shown: the fields left out are usable again.
    window.addEventListener("pageshow", function () {
      form.querySelectorAll(":disabled").forEach(function (field) {
        field.disabled = false;
      });
    });
  });
})();
