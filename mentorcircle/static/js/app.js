// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Tell the server the browser's time zone, and again whenever it changes (a trip, a new
  // laptop), so times can be shown in it. The page reloads once when the server did not know
  // the zone yet, or when a signed-in person's saved zone differs (to offer switching to it).
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
  function sentZone() {
    var sent = "";
    document.cookie.split("; ").forEach(function (c) { if (c.indexOf("tz=") === 0) sent = c.slice(3); });
    return sent;
  }
  if (zone && sentZone() !== zone) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
    var page = document.body.dataset;
    var answered = page.timezoneAnswered === undefined ? null : page.timezoneAnswered.split(" ");
    var ask = answered !== null && answered.indexOf(zone) === -1;
    // Only if the cookie stuck: with cookies blocked, every load would reload again.
    if ((page.timezoneKnown === "false" || ask) && sentZone() === zone) window.location.reload();
  }

  document.addEventListener("DOMContentLoaded", function () {
    // A refused form: bring its error summary to the keyboard and the screen reader first.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      summary.querySelectorAll("a[href^='#']").forEach(function (link) {
        link.addEventListener("click", function (event) {
          var field = document.getElementById(link.getAttribute("href").slice(1));
          if (!field) return;
          event.preventDefault();
          focusField(field);
        });
      });
    }

    // Success toasts fade away after a few seconds; errors and warnings stay until closed.
    document.querySelectorAll(".toast").forEach(settleToast);

    // Menus (the one under your name, "Session actions"): a button shows or hides its panel.
    document.querySelectorAll("[data-menu]").forEach(setUpMenu);
    document.addEventListener("click", function (event) {
      document.querySelectorAll("[data-menu]").forEach(function (menu) {
        if (!menu.contains(event.target)) setMenu(menu, false);
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

    document.querySelectorAll("input[data-decision-rules]").forEach(setUpDecisionNote);
    document.querySelectorAll("input[name=create_token]").forEach(keepCreateToken);
    document.querySelectorAll("[data-invite]").forEach(setUpInvite);
    document.querySelectorAll("[data-countdown]").forEach(setUpCountdown);
    document.querySelectorAll("textarea[data-max-chars]").forEach(setUpCharCount);

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

  // For content added after load (a conversation's new messages): the same enhancements.
  window.mentorcircle = {
    enhance: function (root) {
      root.querySelectorAll("[data-menu]").forEach(setUpMenu);
    }
  };

  // Near a text's limit, "4,600 of 5,000 characters" under it; over it, how many too many (the
  // server refuses a longer text and keeps it, so nothing is cut without a word). Counted as the
  // server counts: characters (not UTF-16 units), one per line break, blank space around left out.
  function setUpCharCount(area) {
    var max = parseInt(area.getAttribute("data-max-chars"), 10);
    if (!max) return;
    var note = document.createElement("p");
    note.className = "char-count";
    note.id = area.id + "_count";
    note.setAttribute("aria-live", "polite");
    note.hidden = true;
    area.insertAdjacentElement("afterend", note);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", described ? described + " " + note.id : note.id);
    function number(n) { return n.toLocaleString("en-US"); }
    function update() {
      var count = Array.from(area.value.replace(/\r\n?/g, "\n").trim()).length;
      var over = count - max;
      note.hidden = count < max * 0.9;
      note.classList.toggle("char-count-over", over > 0);
      note.textContent = number(count) + " of " + number(max) + " characters" +
        (over > 0 ? ": " + number(over) + " too many. Shorten it to send it." : "");
    }
    area.addEventListener("input", update);
    update();
  }

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

  // Next to a session's start: a start closer than the program's decision point (e.g. 24 hours)
  // is decided halfway between now and the start (see services._decide_at); a new session whose
  // minimum the host alone meets is confirmed at once.
  function setUpDecisionNote(start) {
    var form = start.form;
    var note = form && form.querySelector("[data-decision-note]");
    var rules;
    try { rules = JSON.parse(start.getAttribute("data-decision-rules")); } catch (e) { return; }
    if (!note || !rules) return;
    var current = Date.parse(start.getAttribute("data-current-start") || "");
    var editing = !isNaN(current);
    function update() {
      var program = form.querySelector("[name=program]");
      var rule = program && rules[program.value];
      var at = start.value ? new Date(start.value).getTime() : NaN;  // read in the browser's zone
      var now = Date.now();
      var text = "";
      if (rule && rule.hours && !isNaN(at) && at > now && at - rule.hours * 3600000 <= now &&
          !(editing && Math.abs(at - current) < 60000)) {
        var hours = rule.hours + " hour" + (rule.hours === 1 ? "" : "s");
        var minimum = form.querySelector("[name=min_participants]");
        var needed = minimum && minimum.value ? parseInt(minimum.value, 10) : rule.min;
        var decided = formatWhen(new Date(now + (at - now) / 2));
        text = "This start is less than " + hours + " away, inside the program's decision window. ";
        if (!editing && needed <= 1) {
          text += "With a minimum of 1 (the host), the session is confirmed as soon as it is created.";
        } else {
          text += "Whether the session is held is decided halfway there, on " + decided +
            (zone ? " (" + zone + ")" : "") + ": below the minimum then, it is cancelled and everyone is told.";
        }
      }
      note.textContent = "";
      if (text) {
        var p = document.createElement("p");
        p.className = "help help-warn";
        p.textContent = text;
        note.appendChild(p);
      }
    }
    ["input", "change"].forEach(function (type) {
      form.addEventListener(type, function (event) {
        if (["starts_at", "program", "min_participants"].indexOf(event.target.name) !== -1) update();
      });
    });
    update();
  }

  // A create form carries a one-time token, so that sending it twice makes one session. Going
  // Back to it fetches the page again, with a new token, while the browser refills what was typed:
  // put back the token this page last sent, so sending it again opens the session it made.
  function keepCreateToken(input) {
    var key = "create-token:" + window.location.pathname;
    var entries = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation") : [];
    try {
      var sent = sessionStorage.getItem(key);
      if (sent && entries.length && entries[0].type === "back_forward") input.value = sent;
      input.form.addEventListener("submit", function () { sessionStorage.setItem(key, input.value); });
    } catch (e) { /* storage turned off: the token still stops a double click */ }
  }

  // "Tue 30 Mar, 18:00", in the browser's zone (as the pages show times, without the year).
  function formatWhen(date) {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
    return parts.weekday + " " + parts.day + " " + parts.month + ", " + parts.hour + ":" + parts.minute;
  }

  function localInputValue(date) {
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  // Show a field named by the error summary: open what hides it, scroll its label into view.
  function focusField(field) {
    var details = field.closest("details");
    if (details) details.open = true;
    var group = field.closest("fieldset");
    var label = (group && group.querySelector("legend")) || document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  }

  function menuParts(menu) {
    var button = menu.querySelector("[data-menu-button]");
    return { button: button, panel: button && document.getElementById(button.getAttribute("aria-controls")) };
  }

  function menuItems(menu) {
    return Array.prototype.slice.call(menuParts(menu).panel.querySelectorAll("a, button"));
  }

  function setMenu(menu, open) {
    var parts = menuParts(menu);
    if (!parts.button || !parts.panel) return;
    parts.button.setAttribute("aria-expanded", open ? "true" : "false");
    parts.panel.hidden = !open;
    parts.panel.classList.remove("menu-panel-up");
    if (open) placePanel(menu, parts.panel);
  }

  // A panel opens below its button, unless it would run past the bottom of what shows it (a
  // scrolling list of messages clips it, as does the window) and there is more room above.
  function placePanel(menu, panel) {
    var top = 0;
    var bottom = window.innerHeight;
    for (var el = menu.parentElement; el && el !== document.body; el = el.parentElement) {
      if (window.getComputedStyle(el).overflowY === "visible") continue;
      var box = el.getBoundingClientRect();
      top = Math.max(top, box.top);
      bottom = Math.min(bottom, box.bottom);
    }
    var below = panel.getBoundingClientRect();
    var button = menu.getBoundingClientRect();
    if (below.bottom > bottom && button.top - top > bottom - button.bottom) panel.classList.add("menu-panel-up");
  }

  // Enter or a click opens the menu on its first item; the arrows move between items; Escape
  // closes it and gives focus back to the button; tabbing out of it closes it.
  function setUpMenu(menu) {
    var parts = menuParts(menu);
    if (!parts.button || !parts.panel) return;
    parts.button.addEventListener("click", function () {
      var open = parts.button.getAttribute("aria-expanded") !== "true";
      document.querySelectorAll("[data-menu]").forEach(function (other) { if (other !== menu) setMenu(other, false); });
      setMenu(menu, open);
      if (open && menuItems(menu).length) menuItems(menu)[0].focus();
    });
    menu.addEventListener("keydown", function (event) {
      if (parts.panel.hidden) return;
      var items = menuItems(menu);
      var index = items.indexOf(document.activeElement);
      if (event.key === "Escape") {
        event.preventDefault();
        setMenu(menu, false);
        parts.button.focus();
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        items[(index + step + items.length) % items.length].focus();
      }
    });
    menu.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !menu.contains(event.relatedTarget)) setMenu(menu, false);
    });
  }

  // Errors and warnings wait for the person to close them; the rest fade.
  function settleToast(toast) {
    if (toast.classList.contains("toast-error") || toast.classList.contains("toast-warning")) {
      var close = document.createElement("button");
      close.type = "button";
      close.className = "toast-close";
      close.setAttribute("aria-label", "Close message");
      close.textContent = "×";
      close.addEventListener("click", function () {
        toast.remove();
        var main = document.getElementById("main");
        if (main) main.focus({ preventScroll: true });
      });
      toast.appendChild(close);
      return;
    }
    setTimeout(function () { toast.classList.add("is-hidden"); }, 5000);
    setTimeout(function () { toast.remove(); }, 5600);
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
    var fieldName = box.getAttribute("data-field-name") || "invitees";
    var timer = null;
    var active = -1;

    function picked() {
      return Array.prototype.map.call(chips.querySelectorAll("input[type=hidden]"), function (i) { return i.value; });
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
        hidden.type = "hidden"; hidden.name = fieldName; hidden.value = id;
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
