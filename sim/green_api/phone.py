"""The guest phone: the simulator's root page, where a person chats with a hotel as a guest.

Self-contained (inline CSS and JS). Every piece of message text is put into the page with
``textContent``; nothing a guest or the hotel wrote ever goes through ``innerHTML``.
"""

from __future__ import annotations

from litestar import Response, get

PHONE_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Guest phone · Green API simulator</title>
<style>
  :root { --green: #075e54; --teal: #128c7e; --mine: #d9fdd3; --theirs: #fff; --bg: #efeae2; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         background: #d1d7db; display: flex; justify-content: center; min-height: 100vh; }
  .phone { width: 100%; max-width: 480px; height: 100vh; display: flex; flex-direction: column;
           background: var(--bg); box-shadow: 0 0 24px rgba(0,0,0,.15); }
  header { background: var(--green); color: #fff; padding: 10px 14px; }
  header h1 { font-size: 17px; margin: 0 0 6px; font-weight: 600; }
  header .sub { font-size: 12px; opacity: .8; }
  .setup { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 6px; margin-top: 8px; }
  .setup label { font-size: 11px; opacity: .85; display: flex; flex-direction: column; gap: 2px; }
  .setup label.wide { grid-column: 1 / -1; }
  .setup input, .setup select { font: inherit; font-size: 14px; padding: 5px 7px; border: 0;
                                border-radius: 6px; color: #111; width: 100%; min-width: 0; }
  #messages { flex: 1; overflow-y: auto; padding: 12px 10px; display: flex; flex-direction: column;
              gap: 4px; }
  .empty { margin: auto; color: #667781; font-size: 13px; text-align: center; padding: 20px; }
  .bubble { max-width: 80%; padding: 6px 9px 4px; border-radius: 8px; position: relative;
            box-shadow: 0 1px .5px rgba(0,0,0,.13); white-space: pre-wrap; word-wrap: break-word; }
  .bubble.guest { align-self: flex-end; background: var(--mine); border-top-right-radius: 2px; }
  .bubble.hotel { align-self: flex-start; background: var(--theirs); border-top-left-radius: 2px;
                  cursor: pointer; }
  .bubble .who { font-size: 12px; font-weight: 600; color: var(--teal); }
  .bubble .quote { border-left: 3px solid var(--teal); background: rgba(0,0,0,.05);
                   padding: 3px 6px; border-radius: 4px; font-size: 13px; color: #54656f;
                   margin-bottom: 3px; }
  .bubble .meta { font-size: 11px; color: #667781; text-align: right; margin-top: 2px;
                  white-space: nowrap; }
  .bubble .ticks { margin-left: 3px; letter-spacing: -3px; }
  .bubble .ticks.read { color: #53bdeb; }
  .bubble .ticks.failed { color: #d33; letter-spacing: 0; }
  .bubble .kind { font-size: 13px; color: #54656f; }
  .bubble a { color: #027eb5; }
  #replying { display: none; background: #f0f2f5; padding: 6px 10px; font-size: 13px;
              border-left: 4px solid var(--teal); align-items: center; gap: 8px; }
  #replying.on { display: flex; }
  #replying span { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
                   color: #54656f; }
  #replying button { border: 0; background: none; font-size: 16px; cursor: pointer; }
  form.compose { display: flex; gap: 8px; padding: 8px; background: #f0f2f5; }
  form.compose textarea { flex: 1; resize: none; border: 0; border-radius: 20px; padding: 9px 14px;
                          font: inherit; max-height: 120px; }
  form.compose button { border: 0; border-radius: 50%; width: 42px; height: 42px;
                        background: var(--teal); color: #fff; font-size: 18px; cursor: pointer; }
  form.compose button:disabled { opacity: .5; cursor: default; }
  #status { font-size: 12px; color: #b00; padding: 0 10px 6px; background: #f0f2f5; min-height: 6px; }
</style>
</head>
<body>
<div class="phone">
  <header>
    <h1>Guest phone</h1>
    <div class="sub">Green API simulator · you are the guest; the hotel answers through the bot</div>
    <div class="setup">
      <label class="wide">Hotel (instance)<select id="instance"></select></label>
      <label>Your number (or lid: …@lid)<input id="phone" placeholder="491701234567"></label>
      <label>Your name<input id="name" placeholder="Anna"></label>
    </div>
  </header>
  <div id="messages" aria-live="polite"></div>
  <div id="replying"><span id="replying-text"></span>
    <button type="button" id="cancel-reply" title="Cancel reply">✕</button></div>
  <form class="compose" id="compose">
    <textarea id="text" rows="1" placeholder="Type a message" aria-label="Message"></textarea>
    <button id="send" title="Send">➤</button>
  </form>
  <div id="status"></div>
</div>
<script>
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const store = window.localStorage;
  const els = { instance: $("instance"), phone: $("phone"), name: $("name"), messages: $("messages"),
                text: $("text"), send: $("send"), status: $("status"), replying: $("replying"),
                replyingText: $("replying-text") };
  let lastRendered = "";
  let replyTo = null;
  let instancesKey = "";

  els.phone.value = store.getItem("guestPhone") || "491701234567";
  els.name.value = store.getItem("guestName") || "Anna";

  function chatId() {
    // A number writes as ...@c.us; "104236588716712@lid" writes as that lid (docs/external-apis.md §A9).
    const raw = els.phone.value.trim();
    const digits = raw.replace(/\\D/g, "");
    if (digits.length < 5) return null;
    return digits + (/@lid$/i.test(raw) ? "@lid" : "@c.us");
  }

  function setStatus(text) { els.status.textContent = text || ""; }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function time(ts) {
    const d = new Date(ts * 1000);
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function ticks(status) {
    const map = { pending: ["◷", ""], sent: ["✓", ""], delivered: ["✓✓", ""],
                  read: ["✓✓", "read"], failed: ["⚠ not delivered", "failed"] };
    const [symbol, cls] = map[status] || ["", ""];
    return el("span", "ticks " + cls, symbol);
  }

  function describe(m) {
    const data = m.messageData || {};
    switch (m.typeMessage) {
      case "locationMessage": return "📍 " + (m.text || "Location");
      case "contactMessage": return "👤 " + (m.text || "Contact");
      case "reactionMessage": return "reacted " + (m.text || "");
      case "imageMessage": case "videoMessage": case "documentMessage": case "audioMessage":
        return "📎 " + (m.fileName || (data.fileMessageData || {}).fileName || m.typeMessage) +
               (m.text ? "\\n" + m.text : "");
      default: return m.text || "";
    }
  }

  function render(messages) {
    const key = JSON.stringify(messages.map((m) => [m.idMessage, m.status, m.read, m.text]));
    if (key === lastRendered) return;
    lastRendered = key;
    const box = els.messages;
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.replaceChildren();
    if (!messages.length) {
      box.appendChild(el("div", "empty", "No messages yet. Say hello to the hotel!"));
      return;
    }
    const byId = new Map(messages.map((m) => [m.idMessage, m]));
    for (const m of messages) {
      const mine = m.direction === "incoming";  // incoming to the hotel = written by the guest
      const bubble = el("div", "bubble " + (mine ? "guest" : "hotel"));
      if (!mine) bubble.appendChild(el("div", "who", m.sendByApi ? "Hotel (bot or staff)" : "Hotel (phone)"));
      const quoted = mine ? ((m.messageData || {}).quotedMessage || {}).stanzaId : m.quotedMessageId;
      if (quoted && m.typeMessage !== "reactionMessage") {
        const original = byId.get(quoted);
        bubble.appendChild(el("div", "quote", original ? describe(original) : "(quoted message)"));
      }
      bubble.appendChild(el("div", m.typeMessage === "textMessage" ||
                                   m.typeMessage === "extendedTextMessage" ? "" : "kind", describe(m)));
      if (!mine && m.downloadUrl && /^https?:\\/\\//.test(m.downloadUrl)) {
        const link = el("a", "", "open file");
        link.href = m.downloadUrl;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        bubble.appendChild(link);
      }
      const meta = el("div", "meta", time(m.timestamp));
      meta.appendChild(mine ? ticks(m.read ? "read" : "delivered") : ticks(m.status));
      bubble.appendChild(meta);
      if (!mine) {
        bubble.title = "Click to reply";
        bubble.addEventListener("click", () => {
          replyTo = { id: m.idMessage, text: describe(m) };
          els.replyingText.textContent = "Replying to: " + replyTo.text;
          els.replying.classList.add("on");
          els.text.focus();
        });
      }
      box.appendChild(bubble);
    }
    if (nearBottom) box.scrollTop = box.scrollHeight;
  }

  async function loadInstances() {
    try {
      const res = await fetch("/sim/instances");
      const list = await res.json();
      const key = JSON.stringify(list.map((i) => [i.idInstance, i.wid]));
      if (key === instancesKey) return;
      instancesKey = key;
      const saved = store.getItem("guestInstance");
      els.instance.replaceChildren();
      for (const inst of list) {
        const opt = el("option", "", inst.idInstance + (inst.wid ? " · " + inst.wid : ""));
        opt.value = String(inst.idInstance);
        els.instance.appendChild(opt);
      }
      if (saved && list.some((i) => String(i.idInstance) === saved)) els.instance.value = saved;
      if (!list.length) setStatus("No instances yet: create one with POST /sim/instances.");
    } catch (err) { setStatus("Cannot reach the simulator: " + err); }
  }

  async function poll() {
    const id = els.instance.value, chat = chatId();
    if (!id || !chat) return;
    try {
      const res = await fetch("/sim/chats/" + encodeURIComponent(id) + "/" + encodeURIComponent(chat));
      if (!res.ok) { setStatus("Chat unavailable (" + res.status + ")"); return; }
      const data = await res.json();
      render(data.messages);
      if (els.status.textContent.startsWith("Chat unavailable")) setStatus("");
    } catch (err) { setStatus("Polling failed: " + err); }
  }

  async function send(event) {
    event.preventDefault();
    const text = els.text.value.trim();
    const chat = chatId();
    if (!text) return;
    if (!chat) { setStatus("Enter your phone number (digits only)."); return; }
    if (!els.instance.value) { setStatus("Pick a hotel instance first."); return; }
    const body = { idInstance: Number(els.instance.value), chatId: chat,
                   senderName: els.name.value.trim() || "Guest", text: text };
    if (replyTo) { body.quotedStanzaId = replyTo.id; body.quotedText = replyTo.text; }
    els.send.disabled = true;
    try {
      const res = await fetch("/sim/incoming", { method: "POST",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (!res.ok) { setStatus("Not sent: " + (await res.text())); return; }
      els.text.value = "";
      cancelReply();
      setStatus("");
      await poll();
      els.messages.scrollTop = els.messages.scrollHeight;
    } catch (err) { setStatus("Not sent: " + err); }
    finally { els.send.disabled = false; els.text.focus(); }
  }

  function cancelReply() { replyTo = null; els.replying.classList.remove("on"); }

  function chatChanged() {
    store.setItem("guestPhone", els.phone.value);
    store.setItem("guestName", els.name.value);
    store.setItem("guestInstance", els.instance.value);
    lastRendered = "";
    els.messages.replaceChildren();
    cancelReply();
    poll();
  }

  $("compose").addEventListener("submit", send);
  $("cancel-reply").addEventListener("click", cancelReply);
  els.text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { send(e); }
  });
  for (const input of [els.instance, els.phone, els.name]) input.addEventListener("change", chatChanged);
  loadInstances().then(poll);
  setInterval(poll, 1000);
  setInterval(loadInstances, 15000);
})();
</script>
</body>
</html>
"""


@get("/", include_in_schema=False)
async def guest_phone() -> Response[str]:
    return Response(content=PHONE_HTML, media_type="text/html")
