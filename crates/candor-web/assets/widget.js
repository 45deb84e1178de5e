// Candor's chat widget: one script tag on a company's site adds a chat
// button that opens a panel talking to Candor over a WebSocket.
//   <script src="https://candor.example/w/SLUG/widget.js" async
//     data-lang="de" data-user-id="…" data-user-hash="…" data-user-name="…"></script>
// Our own code, no dependencies. docs/chat.md describes the protocol.
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector("script[src*='/widget.js'][src*='/w/']");
  if (!script || window.__candorChat) { return; }
  window.__candorChat = true;
  var src = new URL(script.src, location.href);
  var match = src.pathname.match(/\/w\/([^/]+)\/widget\.js$/);
  if (!match) { return; }
  var slug = match[1];
  var socketUrl = (src.protocol === "https:" ? "wss://" : "ws://") + src.host + "/w/" + slug + "/chat/ws";
  var data = script.dataset || {};

  var STRINGS = {
    en: {
      open: "Chat with us", close: "Close the chat", title: "Chat", titleWith: "Chat with {name}",
      label: "Your message", send: "Send", you: "You", sending: "Sending…", stored: "Delivered",
      failed: "Not sent", retry: "Send again", typing: "{name} is typing…",
      connecting: "Connecting…", reconnecting: "The connection was lost. Reconnecting…",
      open_now: "We are here: write your question and we answer in this window.",
      outside_hours: "Nobody is here right now. We answer chats {hours}.",
      all_away: "Everyone is away right now, so an answer may take a while.",
      promise: "What we promise: {commitment}.",
      emailAsk: "Leave your email address and we will answer there if you have gone.",
      emailLabel: "Your email address", emailSave: "Save my address",
      saved: "Thank you. If you have left when we answer, we will write to {email}.",
      known: "Thank you. If you have left when we answer, we will write to {email}.",
      needs_confirmation: "Thank you. That address is known to us already: a colleague will check it is yours before writing to it.",
      refused: "We could not confirm who you are, so the chat cannot open. Please reload the page.",
      too_long: "Too long: at most 4,000 characters.", rate_limited: "Too many messages at once: wait a few seconds, then send it again.",
      invalid: "This could not be sent: {message}", unavailable: "The chat cannot do this right now. Please try again in a moment.",
      origin: "The chat is not available on this page."
    },
    de: {
      open: "Chatten Sie mit uns", close: "Chat schließen", title: "Chat", titleWith: "Chat mit {name}",
      label: "Ihre Nachricht", send: "Senden", you: "Sie", sending: "Wird gesendet…", stored: "Zugestellt",
      failed: "Nicht gesendet", retry: "Erneut senden", typing: "{name} schreibt…",
      connecting: "Verbindung wird aufgebaut…", reconnecting: "Die Verbindung ist unterbrochen. Neuer Versuch…",
      open_now: "Wir sind da: Schreiben Sie Ihre Frage, wir antworten in diesem Fenster.",
      outside_hours: "Gerade ist niemand da. Wir beantworten Chats {hours}.",
      all_away: "Gerade sind alle abwesend; eine Antwort kann etwas dauern.",
      promise: "Unser Versprechen: {commitment}.",
      emailAsk: "Hinterlassen Sie Ihre E-Mail-Adresse, dann antworten wir dort, falls Sie schon weg sind.",
      emailLabel: "Ihre E-Mail-Adresse", emailSave: "Adresse speichern",
      saved: "Danke. Sind Sie bei unserer Antwort schon weg, schreiben wir an {email}.",
      known: "Danke. Sind Sie bei unserer Antwort schon weg, schreiben wir an {email}.",
      needs_confirmation: "Danke. Diese Adresse kennen wir schon: Ein Kollege prüft, ob sie Ihnen gehört, bevor wir dorthin schreiben.",
      refused: "Wir konnten nicht bestätigen, wer Sie sind, daher öffnet sich der Chat nicht. Bitte laden Sie die Seite neu.",
      too_long: "Zu lang: höchstens 4.000 Zeichen.", rate_limited: "Zu viele Nachrichten auf einmal: Warten Sie ein paar Sekunden und senden Sie erneut.",
      invalid: "Das konnte nicht gesendet werden: {message}", unavailable: "Der Chat kann das gerade nicht. Bitte versuchen Sie es gleich noch einmal.",
      origin: "Der Chat ist auf dieser Seite nicht verfügbar."
    },
    fr: {
      open: "Discuter avec nous", close: "Fermer la discussion", title: "Discussion", titleWith: "Discussion avec {name}",
      label: "Votre message", send: "Envoyer", you: "Vous", sending: "Envoi…", stored: "Remis",
      failed: "Non envoyé", retry: "Renvoyer", typing: "{name} écrit…",
      connecting: "Connexion…", reconnecting: "La connexion est perdue. Nouvelle tentative…",
      open_now: "Nous sommes là : écrivez votre question, nous répondons dans cette fenêtre.",
      outside_hours: "Personne n’est là en ce moment. Nous répondons aux discussions {hours}.",
      all_away: "Tout le monde est absent en ce moment ; la réponse peut tarder.",
      promise: "Notre engagement : {commitment}.",
      emailAsk: "Laissez votre adresse e-mail : nous y répondrons si vous êtes parti.",
      emailLabel: "Votre adresse e-mail", emailSave: "Enregistrer mon adresse",
      saved: "Merci. Si vous êtes parti quand nous répondons, nous écrirons à {email}.",
      known: "Merci. Si vous êtes parti quand nous répondons, nous écrirons à {email}.",
      needs_confirmation: "Merci. Nous connaissons déjà cette adresse : un collègue vérifiera qu’elle est à vous avant d’y écrire.",
      refused: "Nous n’avons pas pu confirmer votre identité, la discussion ne peut donc pas s’ouvrir. Rechargez la page.",
      too_long: "Trop long : 4 000 caractères au plus.", rate_limited: "Trop de messages d’un coup : attendez quelques secondes puis renvoyez.",
      invalid: "Ceci n’a pas pu être envoyé : {message}", unavailable: "La discussion ne peut pas faire cela pour l’instant. Réessayez dans un moment.",
      origin: "La discussion n’est pas disponible sur cette page."
    },
    es: {
      open: "Chatea con nosotros", close: "Cerrar el chat", title: "Chat", titleWith: "Chat con {name}",
      label: "Tu mensaje", send: "Enviar", you: "Tú", sending: "Enviando…", stored: "Entregado",
      failed: "No enviado", retry: "Enviar de nuevo", typing: "{name} está escribiendo…",
      connecting: "Conectando…", reconnecting: "Se perdió la conexión. Reconectando…",
      open_now: "Estamos aquí: escribe tu pregunta y te respondemos en esta ventana.",
      outside_hours: "Ahora no hay nadie. Respondemos chats {hours}.",
      all_away: "Ahora todos están ausentes; la respuesta puede tardar.",
      promise: "Nuestro compromiso: {commitment}.",
      emailAsk: "Deja tu correo electrónico y te responderemos allí si ya te has ido.",
      emailLabel: "Tu correo electrónico", emailSave: "Guardar mi correo",
      saved: "Gracias. Si ya te has ido cuando respondamos, escribiremos a {email}.",
      known: "Gracias. Si ya te has ido cuando respondamos, escribiremos a {email}.",
      needs_confirmation: "Gracias. Ya conocemos esa dirección: un compañero comprobará que es tuya antes de escribir a ella.",
      refused: "No pudimos confirmar quién eres, así que el chat no puede abrirse. Vuelve a cargar la página.",
      too_long: "Demasiado largo: 4.000 caracteres como máximo.", rate_limited: "Demasiados mensajes a la vez: espera unos segundos y vuelve a enviarlo.",
      invalid: "No se pudo enviar: {message}", unavailable: "El chat no puede hacer esto ahora. Inténtalo de nuevo en un momento.",
      origin: "El chat no está disponible en esta página."
    }
  };
  function pickLanguage() {
    var wanted = [data.lang].concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < wanted.length; i++) {
      var l = String(wanted[i] || "").toLowerCase().slice(0, 2);
      if (STRINGS[l]) { return l; }
    }
    return "en";
  }
  var lang = pickLanguage();
  var T = STRINGS[lang];
  function t(key, values) {
    return String(T[key] || STRINGS.en[key] || key).replace(/\{(\w+)\}/g, function (_, k) {
      return values && values[k] != null ? String(values[k]) : "";
    });
  }

  function randomId(prefix) {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return prefix + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var storageKey = "candor-chat-visitor:" + slug;
  var visitor = null;
  try { visitor = localStorage.getItem(storageKey); } catch (e) { /* storage blocked */ }
  if (!visitor || !/^[A-Za-z0-9_-]{8,100}$/.test(visitor)) {
    visitor = randomId("v_");
    try { localStorage.setItem(storageKey, visitor); } catch (e) { /* one visit only */ }
  }

  // Styles, scoped by the cc- prefix.
  var style = document.createElement("style");
  style.textContent = [
    ".cc-launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;font:16px/1.3 system-ui,sans-serif;background:#1d4ed8;color:#fff;border:0;border-radius:24px;padding:12px 18px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}",
    ".cc-launch:focus-visible,.cc-panel button:focus-visible,.cc-panel textarea:focus-visible,.cc-panel input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}",
    ".cc-panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:min(360px,calc(100vw - 40px));max-height:min(560px,calc(100vh - 100px));display:flex;flex-direction:column;background:#fff;color:#111;border:1px solid #999;border-radius:10px;box-shadow:0 4px 20px rgba(0,0,0,.3);font:15px/1.4 system-ui,sans-serif}",
    ".cc-panel[hidden]{display:none}",
    ".cc-head{display:flex;justify-content:space-between;align-items:center;padding:8px 12px;border-bottom:1px solid #ddd}",
    ".cc-head h2{font-size:16px;margin:0}",
    ".cc-head button{background:none;border:1px solid #999;border-radius:4px;cursor:pointer;padding:2px 8px;color:#111}",
    ".cc-notice{padding:8px 12px;background:#fef9c3;border-bottom:1px solid #ddd;font-size:14px}",
    ".cc-notice p{margin:0 0 4px}",
    ".cc-log{flex:1;overflow-y:auto;padding:8px 12px;margin:0;list-style:none;min-height:120px}",
    ".cc-msg{margin:6px 0;padding:6px 10px;border-radius:8px;max-width:85%;white-space:pre-wrap;word-wrap:break-word}",
    ".cc-visitor{background:#dbeafe;margin-left:auto}",
    ".cc-agent{background:#f3f4f6}",
    ".cc-meta{display:block;font-size:12px;color:#444;margin-top:2px}",
    ".cc-failed .cc-meta{color:#b91c1c}",
    ".cc-typing,.cc-status{font-size:13px;color:#444;padding:0 12px;min-height:1.2em}",
    ".cc-form{display:flex;gap:6px;padding:8px 12px;border-top:1px solid #ddd}",
    ".cc-form textarea{flex:1;resize:none;font:inherit;padding:6px;border:1px solid #777;border-radius:4px}",
    ".cc-form button,.cc-email button,.cc-retry{background:#1d4ed8;color:#fff;border:0;border-radius:4px;padding:6px 12px;cursor:pointer;font:inherit}",
    ".cc-email{display:flex;flex-wrap:wrap;gap:6px;margin-top:4px}",
    ".cc-email input{flex:1;min-width:0;font:inherit;padding:4px;border:1px solid #777;border-radius:4px}",
    ".cc-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
  ].join("\n");
  document.head.appendChild(style);

  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text != null) { n.textContent = text; }
    return n;
  }

  var launcher = el("button", { type: "button", "class": "cc-launch", id: "candor-chat-launcher",
    "aria-expanded": "false", "aria-controls": "candor-chat-panel" }, t("open"));
  var panel = el("div", { "class": "cc-panel", id: "candor-chat-panel", role: "dialog",
    "aria-labelledby": "candor-chat-title", lang: lang });
  panel.hidden = true;
  var head = el("div", { "class": "cc-head" });
  var title = el("h2", { id: "candor-chat-title" }, t("title"));
  var closeBtn = el("button", { type: "button", id: "candor-chat-close", "aria-label": t("close") }, "×");
  head.appendChild(title);
  head.appendChild(closeBtn);
  var notice = el("div", { "class": "cc-notice", id: "candor-chat-notice" });
  notice.hidden = true;
  var noticeText = el("p", { id: "candor-chat-availability" });
  var promise = el("p", { id: "candor-chat-promise" });
  var emailAsk = el("p", { id: "candor-chat-email-ask" }, t("emailAsk"));
  var emailForm = el("form", { "class": "cc-email", id: "candor-chat-email-form" });
  var emailLabel = el("label", { "for": "candor-chat-email", "class": "cc-sr" }, t("emailLabel"));
  var emailInput = el("input", { id: "candor-chat-email", type: "email", autocomplete: "email",
    placeholder: t("emailLabel") });
  var emailBtn = el("button", { type: "submit", id: "candor-chat-email-save" }, t("emailSave"));
  var emailResult = el("p", { id: "candor-chat-email-result", role: "status" });
  emailForm.appendChild(emailLabel);
  emailForm.appendChild(emailInput);
  emailForm.appendChild(emailBtn);
  [noticeText, promise, emailAsk, emailForm, emailResult].forEach(function (n) { notice.appendChild(n); });
  // New messages are read out by screen readers as they arrive.
  var log = el("ol", { "class": "cc-log", id: "candor-chat-log", role: "log", "aria-live": "polite",
    "aria-label": t("title") });
  var typing = el("div", { "class": "cc-typing", id: "candor-chat-typing", "aria-live": "polite" });
  var status = el("div", { "class": "cc-status", id: "candor-chat-status", role: "status" }, t("connecting"));
  var form = el("form", { "class": "cc-form", id: "candor-chat-form" });
  var label = el("label", { "for": "candor-chat-input", "class": "cc-sr" }, t("label"));
  var input = el("textarea", { id: "candor-chat-input", rows: "2", maxlength: "4000", placeholder: t("label") });
  var sendBtn = el("button", { type: "submit", id: "candor-chat-send" }, t("send"));
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendBtn);
  [head, notice, log, typing, status, form].forEach(function (n) { panel.appendChild(n); });

  function mount() {
    document.body.appendChild(panel);
    document.body.appendChild(launcher);
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      input.focus();
      log.scrollTop = log.scrollHeight;
      connect();
    } else {
      launcher.focus();
    }
  }
  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { ev.preventDefault(); setOpen(false); }
  });

  // The conversation as shown: message id → item; client id → item of a
  // message not yet confirmed.
  var lastId = null;
  var shown = {};
  var pending = {};
  var order = [];

  function meta(item, text) {
    var m = item.querySelector(".cc-meta");
    m.textContent = text;
  }
  function addItem(from, author, text) {
    var li = el("li", { "class": "cc-msg " + (from === "visitor" ? "cc-visitor" : "cc-agent") });
    li.appendChild(el("span", { "class": "cc-sr" }, (from === "visitor" ? t("you") : author) + ": "));
    li.appendChild(el("span", { "class": "cc-body" }, text));
    li.appendChild(el("span", { "class": "cc-meta" }, from === "visitor" ? "" : author));
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }
  function onMessage(m) {
    if (shown[m.id]) { return; }
    var li = m.client_id && pending[m.client_id];
    if (li) {
      delete pending[m.client_id];
      order = order.filter(function (c) { return c !== m.client_id; });
    } else {
      li = addItem(m.from, m.author, m.text);
    }
    li.dataset.id = m.id;
    li.dataset.state = m.state;
    li.classList.remove("cc-failed");
    meta(li, m.from === "visitor" ? t("stored") : m.author);
    shown[m.id] = li;
    lastId = m.id;
    if (m.from === "agent") { typing.textContent = ""; }
  }

  var ws = null;
  var ready = false;
  var refused = false;
  var retryMs = 1000;
  var retryTimer = null;

  function sendFrame(obj) {
    if (ws && ready && ws.readyState === 1) { ws.send(JSON.stringify(obj)); return true; }
    return false;
  }
  function sendPending(clientId) {
    var li = pending[clientId];
    if (!li) { return; }
    li.dataset.state = "sending";
    li.classList.remove("cc-failed");
    meta(li, t("sending"));
    var retry = li.querySelector(".cc-retry");
    if (retry) { retry.remove(); }
    sendFrame({ type: "message", client_id: clientId, text: li.dataset.text });
  }
  function failed(clientId, why) {
    var li = pending[clientId];
    if (!li) { return; }
    li.dataset.state = "failed";
    li.classList.add("cc-failed");
    meta(li, t("failed") + ": " + why);
    if (!li.querySelector(".cc-retry")) {
      var b = el("button", { type: "button", "class": "cc-retry" }, t("retry"));
      b.addEventListener("click", function () { sendPending(clientId); });
      li.appendChild(b);
    }
  }
  function explain(frame) {
    if (frame.code === "rate_limited") { return t("rate_limited"); }
    if (frame.field === "text" && /longer/.test(frame.message || "")) { return t("too_long"); }
    if (frame.code === "unavailable") { return t("unavailable"); }
    return t("invalid", { message: frame.message || "" });
  }
  function showAvailability(a) {
    a = a || { state: "open" };
    notice.hidden = false;
    notice.dataset.state = a.state;
    noticeText.textContent = a.state === "outside_hours" ? t("outside_hours", { hours: a.hours || "" })
      : a.state === "all_away" ? t("all_away") : t("open_now");
    promise.textContent = a.commitment ? t("promise", { commitment: a.commitment }) : "";
    promise.hidden = !a.commitment;
  }

  function connect() {
    if (ws || refused) { return; }
    status.textContent = t("connecting");
    ws = new WebSocket(socketUrl);
    ws.onopen = function () {
      var hello = { type: "hello", visitor: visitor, after: lastId };
      if (data.userId) { hello.user_id = data.userId; hello.user_hash = data.userHash || ""; hello.user_name = data.userName || null; }
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === "welcome") {
        ready = true;
        retryMs = 1000;
        status.textContent = "";
        panel.dataset.state = "ready";
        if (f.company) { title.textContent = t("titleWith", { name: f.company }); }
        showAvailability(f.availability);
        // What was not confirmed before the connection dropped goes again
        // with the same id: the server stores it once.
        order.slice().forEach(sendPending);
      } else if (f.type === "availability") {
        showAvailability(f.availability);
      } else if (f.type === "message") {
        onMessage(f);
      } else if (f.type === "stored") {
        var li = pending[f.client_id];
        if (li) { li.dataset.state = "stored"; meta(li, t("stored")); }
      } else if (f.type === "typing") {
        typing.textContent = t("typing", { name: f.name || "" });
        clearTimeout(typing._timer);
        typing._timer = setTimeout(function () { typing.textContent = ""; }, 8000);
      } else if (f.type === "email") {
        emailResult.textContent = t(f.status, { email: emailInput.value.trim() });
      } else if (f.type === "error") {
        if (f.code === "identity_refused") {
          refused = true;
          status.textContent = t("refused");
          panel.dataset.state = "refused";
          input.disabled = true;
          sendBtn.disabled = true;
        } else if (f.client_id) {
          failed(f.client_id, explain(f));
        } else if (f.field === "email") {
          emailResult.textContent = t("invalid", { message: f.message || "" });
        }
      }
    };
    ws.onclose = function () {
      ws = null;
      ready = false;
      if (refused) { return; }
      panel.dataset.state = "connecting";
      status.textContent = t("reconnecting");
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    };
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (!text.trim()) { return; }
    var clientId = randomId("c_");
    var li = addItem("visitor", t("you"), text);
    li.dataset.text = text;
    li.dataset.client = clientId;
    pending[clientId] = li;
    order.push(clientId);
    input.value = "";
    sendPending(clientId);
    if (!ready) { meta(li, t("sending")); connect(); }
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit ? form.requestSubmit() : sendBtn.click(); }
  });
  var lastTyping = 0;
  input.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTyping > 2000) { lastTyping = now; sendFrame({ type: "typing" }); }
  });
  emailForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var email = emailInput.value.trim();
    if (email) { sendFrame({ type: "email", email: email }); }
  });
  // A returning visitor with a conversation: connect at once so replies arrive.
  try { if (localStorage.getItem(storageKey + ":open") === "1") { connect(); } } catch (e) { /* fine */ }
  launcher.addEventListener("click", function () {
    try { localStorage.setItem(storageKey + ":open", "1"); } catch (e) { /* fine */ }
  });
})();
