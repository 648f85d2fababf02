// Reports: typing a day in From or To chooses the Custom period, so the days apply when the
// filters are sent. Without this file, choose Custom by hand.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var period = document.querySelector("[data-report-period]");
    if (!period) return;
    document.querySelectorAll("[data-custom-day]").forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.value) period.value = "custom";
      });
    });
  });
})();
