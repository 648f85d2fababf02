// The invite box's seats warning. As the selection changes (people picked, groups ticked), it
// asks the server how many people the selection would invite and shows the server's warning
// when they outnumber the seats left. Without this file the warning comes after sending.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-invite-seats]").forEach(setUp);
  });

  function setUp(box) {
    var form = box.closest("form");
    var message = box.querySelector("p");
    if (!form || !message) return;
    var url = box.getAttribute("data-invite-seats");
    var timer = null;
    var asked = 0;

    function check() {
      var query = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken") query.append(name, value);
      });
      var ticket = ++asked;
      fetch(url + "?" + query.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || ticket !== asked) return;  // a later change asked again
          message.textContent = data.warning || "";
          message.hidden = !data.warning;
        })
        .catch(function () { /* offline: the warning comes after sending */ });
    }
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(check, 200);
    }

    form.addEventListener("change", soon);
    // People are picked and removed as chips (see app.js), which fires no change event.
    var chips = form.querySelector(".chips");
    if (chips) new MutationObserver(soon).observe(chips, { childList: true });
  }
})();
