// Candor's inbox: live updates over Server-Sent Events, the "is replying"
// warning, the reply coach, and keyboard shortcuts. Pages work without it.
(function () {
  "use strict";
  var inbox = document.getElementById("inbox");
  var conv = document.getElementById("conversation");
  if (!inbox && !conv) { return; }

  // Replaces the parts `ids` of the page with those of a fresh copy of it;
  // resolves to whether that worked.
  function swap(ids) {
    return fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) { old.innerHTML = fresh.innerHTML; }
        });
        return true;
      })
      .catch(function () { return false; /* the next update tries again */ });
  }

  var pending = null;
  function later(fn) {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function () { pending = null; fn(); }, 250);
  }

  // Live updates.
  var typingTimer = null;
  // A colleague "is replying" (a warning before two answer at once); a
  // chat visitor, who has no staff id, "is typing".
  function showTyping(name, staff) {
    var el = document.getElementById("typing-indicator");
    if (!el) { return; }
    el.textContent = name + (staff ? " is replying…" : " is typing…");
    el.hidden = false;
    if (typingTimer) { clearTimeout(typingTimer); }
    typingTimer = setTimeout(function () { el.hidden = true; el.textContent = ""; }, 8000);
  }
  var root = inbox || conv;
  if (window.EventSource) {
    var source = new EventSource("/api/v1/stream");
    // data-live on the page says whether updates arrive: "ready" once the
    // stream listens, "connecting" while it (re)connects.
    root.dataset.live = "connecting";
    source.addEventListener("ready", function () {
      root.dataset.live = "ready";
      // A reply still queued when the page was drawn may have been sent
      // before the stream listened: draw the thread again once.
      if (conv && document.querySelector("#thread .delivery-queued")) {
        later(function () { swap(["thread", "loose-files", "conversation-facts"]); });
      }
    });
    source.addEventListener("error", function () { root.dataset.live = "connecting"; });
    var onChange = function (ev) {
      var data = {};
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      if (inbox) {
        later(function () {
          swap(["inbox-results"]).then(function (ok) {
            // Only when the list could not be refreshed in place.
            var note = document.getElementById("inbox-live");
            if (note) { note.hidden = ok; }
          });
        });
      } else if (conv && data.conversation_id === conv.dataset.id) {
        later(function () { swap(["thread", "loose-files", "conversation-facts"]); });
      }
    };
    ["conversation.created", "message.created", "conversation.updated", "social.alert", "resync"].forEach(function (k) {
      source.addEventListener(k, onChange);
    });
    source.addEventListener("typing", function (ev) {
      var data = {};
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      if (conv && data.conversation_id === conv.dataset.id && data.name && data.user_id !== conv.dataset.meId) {
        showTyping(data.name, !!data.user_id);
      }
    });
  }

  // The composer: "typing" pings and the coach.
  var body = document.getElementById("composer-body");
  var lastPing = 0;
  function kind() {
    var note = document.getElementById("kind-note");
    return note && note.checked ? "note" : "outbound";
  }
  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": conv.dataset.csrf },
      body: JSON.stringify(payload)
    });
  }
  function item(list, text, cls) {
    var li = document.createElement("li");
    li.textContent = text;
    if (cls) { li.className = cls; }
    list.appendChild(li);
  }
  var coachTimer = null;
  function coach() {
    var findings = document.getElementById("coach-findings");
    var promises = document.getElementById("coach-promises");
    if (!findings || !promises) { return; }
    var text = body.value;
    if (kind() !== "outbound" || text.trim().length < 3) {
      findings.innerHTML = ""; promises.innerHTML = "";
      return;
    }
    post("/api/v1/coach", {
      text: text,
      language: "",
      customer_language: conv.dataset.language || null,
      signature_name: conv.dataset.me,
      check_signature: conv.dataset.channel !== "chat"
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (res) {
        // Only the answer about what the composer holds now.
        if (!res || body.value !== text || kind() !== "outbound") { return; }
        findings.innerHTML = ""; promises.innerHTML = "";
        (res.findings || []).forEach(function (f) {
          var said = Array.from(text).slice(f.start, f.end).join("");
          item(findings, f.category + ": “" + said + "” — " + f.message + (f.suggestion ? " Try: " + f.suggestion : ""), "finding");
        });
        (res.promises || []).forEach(function (p) {
          item(promises, "Promise: “" + p.text + "”" + (p.due_at ? " due " + p.due_at.replace("T", " ").slice(0, 16) + " UTC" : " (no time given: say when)"), "promise");
        });
      })
      .catch(function () { /* coaching never blocks sending */ });
  }
  if (body && conv) {
    body.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastPing > 3000 && body.value.trim() !== "") {
        lastPing = now;
        post("/api/v1/conversations/" + conv.dataset.id + "/typing", {}).catch(function () {});
      }
      if (coachTimer) { clearTimeout(coachTimer); }
      coachTimer = setTimeout(coach, 60);
    });
    ["kind-outbound", "kind-note"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.addEventListener("change", coach); }
    });
  }

  // Keyboard shortcuts.
  var help = document.getElementById("shortcuts-help");
  var selected = -1;
  var awaitingG = false;
  function items() {
    return Array.from(document.querySelectorAll(inbox ? "#inbox-list .conv-row" : "#thread .msg"));
  }
  function select(delta) {
    var list = items();
    if (!list.length) { return; }
    list.forEach(function (el) { el.classList.remove("selected"); });
    selected = Math.max(0, Math.min(list.length - 1, selected + delta));
    var el = list[selected];
    el.classList.add("selected");
    el.scrollIntoView({ block: "nearest" });
    var link = el.querySelector("a.conv-link");
    (link || el).focus();
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
      if (ev.key === "Escape" && ev.target.blur) { ev.target.blur(); }
      return;
    }
    if (awaitingG) {
      awaitingG = false;
      if (ev.key === "i") { location.href = "/inbox"; }
      return;
    }
    switch (ev.key) {
      case "j": select(1); break;
      case "k": select(-1); break;
      case "Enter":
        if (inbox && selected >= 0) {
          var link = items()[selected].querySelector("a.conv-link");
          if (link) { location.href = link.href; }
        }
        return;
      case "r":
      case "n":
        if (body) {
          var radio = document.getElementById(ev.key === "r" ? "kind-outbound" : "kind-note");
          if (radio) { radio.checked = true; }
          body.focus();
          coach();
        }
        break;
      case "e":
        var status = document.getElementById("control-status");
        var form = document.getElementById("controls");
        if (status && form) { status.value = "solved"; form.submit(); }
        break;
      case "g": awaitingG = true; return;
      case "?":
        if (help && help.showModal) { help.showModal(); }
        break;
      default: return;
    }
    ev.preventDefault();
  });
})();
