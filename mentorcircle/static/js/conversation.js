// A conversation's page: new messages appear without reloading, replies are sent without
// leaving the page, and a banner says when the server cannot be reached. Without this file the
// page still works: the reply form posts normally and a reload shows what is new.
(function () {
  "use strict";

  var EVERY = 5000;  // milliseconds between two looks for new messages

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-conversation]");
    if (box) setUp(box);
  });

  function setUp(box) {
    var list = box.querySelector("[data-messages]");
    var scroller = box.querySelector(".message-scroll");
    var banner = box.querySelector("[data-offline]");
    var form = box.querySelector("form[data-reply]");
    var pollUrl = box.getAttribute("data-poll-url");
    var lastId = parseInt(box.getAttribute("data-last-id"), 10) || 0;
    var since = box.getAttribute("data-since") || "";  // the server's time: removals after it
    var dividers = list.querySelectorAll("li.divider:not(.divider-new)");
    var lastDay = dividers.length ? dividers[dividers.length - 1].textContent : null;
    var polling = !box.hasAttribute("data-no-poll");
    var timer = null;
    var busy = false;

    function offline(on) {
      if (banner) banner.hidden = !on;
    }

    // The history is drawn from the bottom up (CSS column-reverse): a scrollTop of 0 is the
    // newest message. New messages keep it there unless the reader scrolled up to read.
    function atBottom() {
      return !scroller || Math.abs(scroller.scrollTop) < 60;
    }
    function toBottom() {
      if (scroller) scroller.scrollTop = 0;
    }

    function parse(html) {
      var holder = document.createElement("ol");
      holder.innerHTML = html;  // rendered, escaped and sanitised by the server
      return holder.firstElementChild;
    }

    // A message of a day other than the one before it starts with that day's divider, as the
    // history drawn by the server does.
    function append(message) {
      if (document.getElementById("m" + message.id)) return;
      var empty = list.querySelector("[data-empty]");
      if (empty) empty.remove();
      var stay = atBottom();
      var item = parse(message.html);
      if (!item) return;
      if (message.day && message.day !== lastDay) {
        var divider = document.createElement("li");
        divider.className = "divider";
        divider.setAttribute("aria-hidden", "true");
        var label = document.createElement("span");
        label.textContent = message.day;
        divider.appendChild(label);
        list.appendChild(divider);
        lastDay = message.day;
      }
      list.appendChild(item);
      if (window.mentorcircle) window.mentorcircle.enhance(item);
      if (stay) toBottom();
    }

    // A message a manager removed since the page showed it: shown as removed, in its place.
    function replace(message) {
      var old = document.getElementById("m" + message.id);
      var item = old && parse(message.html);
      if (!item) return;
      old.replaceWith(item);
      if (window.mentorcircle) window.mentorcircle.enhance(item);
    }

    function schedule() {
      clearTimeout(timer);
      if (polling && document.visibilityState === "visible") timer = setTimeout(look, EVERY);
    }

    function look() {
      if (busy || !polling) return;
      busy = true;
      var query = "?after=" + lastId + "&since=" + encodeURIComponent(since);
      fetch(pollUrl + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 404 || response.status === 403) {
            polling = false;  // no longer theirs (they left the session, or the program)
            window.location.reload();
            return null;
          }
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          if (!data) return;
          offline(false);
          data.messages.forEach(function (message) {
            append(message);
            lastId = Math.max(lastId, message.id);
          });
          (data.removed || []).forEach(replace);
          if (data.since) since = data.since;
          if (data.closed && form) window.location.reload();  // the session was cancelled
        })
        .catch(function () { offline(true); })
        .then(function () { busy = false; schedule(); });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") look();
      else clearTimeout(timer);
    });
    window.addEventListener("offline", function () { offline(true); });
    window.addEventListener("online", look);
    schedule();

    if (form) setUpReply(form);

    function setUpReply(form) {
      var body = form.querySelector("textarea[name=body]");
      var button = form.querySelector("button[type=submit]");
      if (!body || !button) return;

      function showErrors(errors) {
        var field = body.closest(".field");
        if (!field) return;
        field.querySelectorAll("p.error").forEach(function (p) { p.remove(); });
        field.classList.toggle("field-invalid", errors.length > 0);
        body.setAttribute("aria-invalid", errors.length ? "true" : "false");
        errors.forEach(function (text, index) {
          var p = document.createElement("p");
          p.className = "error";
          p.id = body.id + "_error" + (index ? "_" + (index + 1) : "");
          p.textContent = text;
          field.appendChild(p);
        });
        if (errors.length) {
          body.setAttribute("aria-describedby", body.id + "_error");
          body.focus();
        }
      }

      // Ctrl+Enter (Cmd+Enter on a Mac) sends; Enter alone starts a new line.
      body.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          if (form.requestSubmit) form.requestSubmit(); else button.click();
        }
      });

      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (button.disabled) return;
        button.disabled = true;
        var summary = form.querySelector("[data-error-summary]");
        if (summary) summary.remove();
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
          credentials: "same-origin"
        })
          .then(function (response) {
            return response.json().then(function (data) { return { ok: response.ok, data: data }; });
          })
          .then(function (result) {
            offline(false);
            if (!result.ok) {
              showErrors(result.data.errors || ["The message was not sent. Try again."]);
              return;
            }
            showErrors([]);
            body.value = "";
            body.dispatchEvent(new Event("input"));  // the character count follows
            var announce = form.querySelector("input[name=announce]");
            if (announce) announce.checked = false;
            append(result.data);
            toBottom();
            body.focus();
          })
          .catch(function () {
            offline(true);
            showErrors(["Not sent: the server cannot be reached. Your message is kept here; send it again when you are back online."]);
          })
          .then(function () { button.disabled = false; });
      });
    }
  }
})();
