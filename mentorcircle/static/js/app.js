// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Tell the server the browser's time zone once, so times can be shown in it.
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
  var hasCookie = document.cookie.split("; ").some(function (c) { return c.indexOf("tz=") === 0; });
  if (zone && !hasCookie) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
    if (document.body.dataset.timezoneKnown === "false" && !sessionStorage.getItem("tz-reloaded")) {
      sessionStorage.setItem("tz-reloaded", "1");
      window.location.reload();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Toasts fade away after a few seconds.
    document.querySelectorAll(".toast").forEach(function (toast) {
      setTimeout(function () { toast.classList.add("is-hidden"); }, 5000);
      setTimeout(function () { toast.remove(); }, 5600);
    });
    // Close open menus with Escape or a click elsewhere.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      document.querySelectorAll("details[open]").forEach(function (d) { d.open = false; d.querySelector("summary").focus(); });
    });
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details.usermenu[open], details.menu[open]").forEach(function (d) {
        if (!d.contains(event.target)) d.open = false;
      });
    });
  });
})();
