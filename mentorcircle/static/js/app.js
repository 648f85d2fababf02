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
      document.querySelectorAll("details.usermenu[open]").forEach(function (d) {
        if (!d.contains(event.target)) d.open = false;
      });
      document.querySelectorAll("[data-menu-button][aria-expanded=true]").forEach(function (b) {
        if (!b.parentNode.contains(event.target)) setMenu(b, false);
      });
    });

    // "Session actions" menus: a button that shows or hides its panel.
    document.querySelectorAll("[data-menu-button]").forEach(function (button) {
      button.addEventListener("click", function () {
        setMenu(button, button.getAttribute("aria-expanded") !== "true");
      });
      button.parentNode.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { setMenu(button, false); button.focus(); }
      });
    });

    // Copy a link to the clipboard and say so.
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var url = button.getAttribute("data-copy");
        var done = function () { toast("Link copied"); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(url).then(done, function () { window.prompt("Copy this link:", url); });
        } else {
          window.prompt("Copy this link:", url);
        }
      });
    });

    // A session's start time is entered in the browser's time zone. An edit form arrives filled
    // in the profile's zone, with the instant in data-utc: show it in the browser's zone instead.
    document.querySelectorAll("input[name=time_zone]").forEach(function (input) {
      var start = input.form && input.form.querySelector("input[name=starts_at]");
      if (!zone || !start || input.value === zone) return;
      if (start.value && !start.dataset.utc) return;  // typed in the zone the form names
      if (start.dataset.utc) start.value = localInputValue(new Date(start.dataset.utc));
      input.value = zone;
      input.form.querySelectorAll("[data-zone-label]").forEach(function (el) { el.textContent = zone; });
    });

    document.querySelectorAll("[data-invite]").forEach(setUpInvite);
    document.querySelectorAll("[data-countdown]").forEach(setUpCountdown);

    // Program settings: show the fields of the chosen video service only.
    var services = document.querySelectorAll("input[name=video_service]");
    function showService() {
      var chosen = document.querySelector("input[name=video_service]:checked");
      document.querySelectorAll("[data-video-section]").forEach(function (section) {
        section.hidden = !!chosen && section.getAttribute("data-video-section") !== chosen.value &&
          !section.querySelector(".error");
      });
    }
    services.forEach(function (radio) { radio.addEventListener("change", showService); });
    if (services.length) showService();
  });

  // "The call opens in 4 min 12 s", turning into the Join button when the call opens.
  function setUpCountdown(box) {
    var opens = Date.parse(box.getAttribute("data-countdown"));
    var text = box.querySelector("[data-countdown-text]");
    var ready = box.querySelector("[data-countdown-ready]");
    if (isNaN(opens) || !text || !ready) return;
    function part(n, unit) { return n ? n + " " + unit + " " : ""; }
    function tick() {
      var left = Math.ceil((opens - Date.now()) / 1000);
      if (left <= 0) {
        text.textContent = "The call is open.";
        ready.hidden = false;
        document.querySelectorAll("[data-countdown-before]").forEach(function (el) { el.hidden = true; });
        var status = box.querySelector("[data-countdown-status]");
        if (status) status.textContent = "The call is open: Join the call.";
        clearInterval(timer);
        return;
      }
      var days = Math.floor(left / 86400), hours = Math.floor(left % 86400 / 3600);
      var minutes = Math.floor(left % 3600 / 60), seconds = left % 60;
      text.textContent = "Opens in " + (days ? part(days, "d") + part(hours, "h") :
        part(hours, "h") + part(minutes, "min") + (hours ? "" : seconds + " s")).trim();
    }
    var timer = setInterval(tick, 1000);
    tick();
  }

  function localInputValue(date) {
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function setMenu(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.nextElementSibling.hidden = !open;
    if (open) {
      var first = button.nextElementSibling.querySelector("a, button");
      if (first) first.focus();
    }
  }

  function toast(text) {
    var region = document.querySelector(".toasts");
    if (!region) return;
    var p = document.createElement("p");
    p.className = "toast toast-success";
    p.textContent = text;
    region.appendChild(p);
    setTimeout(function () { p.classList.add("is-hidden"); }, 3000);
    setTimeout(function () { p.remove(); }, 3600);
  }

  // Type-ahead over program members: an ARIA combobox with a listbox of suggestions.
  function setUpInvite(box) {
    var input = box.querySelector("[role=combobox]");
    var list = box.querySelector("[role=listbox]");
    var chips = box.querySelector(".chips");
    var form = box.closest("form");
    var timer = null;
    var active = -1;

    function picked() {
      return Array.prototype.map.call(chips.querySelectorAll("input[name=invitees]"), function (i) { return i.value; });
    }
    function close() {
      list.hidden = true;
      list.innerHTML = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (index + options.length) % options.length;
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }
    function choose(option) {
      var id = option.getAttribute("data-id");
      var name = option.getAttribute("data-name");
      if (picked().indexOf(id) === -1) {
        var li = document.createElement("li");
        li.className = "chip";
        li.appendChild(document.createTextNode(name));
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = "invitees"; hidden.value = id;
        li.appendChild(hidden);
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "chip-remove"; remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove " + name);
        li.appendChild(remove);
        chips.appendChild(li);
      }
      input.value = "";
      close();
      input.focus();
    }
    function search() {
      var q = input.value.trim();
      var program = form.querySelector("[name=program]");
      if (!q || !program) { close(); return; }
      var url = box.getAttribute("data-suggest-url") + "?program=" + encodeURIComponent(program.value) + "&q=" + encodeURIComponent(q);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          if (input.value.trim() !== q) return;
          list.innerHTML = "";
          var already = picked();
          data.results.filter(function (p) { return already.indexOf(String(p.id)) === -1; }).forEach(function (p) {
            var li = document.createElement("li");
            li.setAttribute("role", "option");
            li.id = "invite-option-" + p.id;
            li.setAttribute("data-id", p.id);
            li.setAttribute("data-name", p.name);
            li.setAttribute("aria-selected", "false");
            li.appendChild(document.createTextNode(p.name));
            if (p.email) {
              var small = document.createElement("small");
              small.textContent = p.email;
              li.appendChild(small);
            }
            li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
            list.appendChild(li);
          });
          if (!list.children.length) {
            var none = document.createElement("li");
            none.setAttribute("role", "option");
            none.setAttribute("aria-disabled", "true");
            none.id = "invite-option-none";
            none.textContent = "No member matches “" + q + "”";
            list.appendChild(none);
          }
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
          active = -1;
        });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 150); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); if (list.hidden) search(); else highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter") {
        var options = list.querySelectorAll("[role=option]:not([aria-disabled])");
        if (!list.hidden && options.length) { event.preventDefault(); choose(options[Math.max(active, 0)]); }
        else if (!list.hidden) { event.preventDefault(); }
      } else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    chips.addEventListener("click", function (event) {
      if (event.target.classList.contains("chip-remove")) { event.target.parentNode.remove(); input.focus(); }
    });
  }
})();
