// The room page: live messages over /ws/rooms/<slug>/ (docs/protocol.md).
//
// Sending is optimistic: a message shows at once as "sending", becomes "sent"
// when the server echoes its client_id, or "failed" with a retry that reuses
// the same client_id (so a retry can never post twice). When the socket
// drops, the page reconnects with back-off and resumes with
// ?after_seq=<highest contiguous seq>&changes=<highest contiguous change>: the
// server sends every message after it, then every edit, removal, reaction and
// room setting since. A gap in the seqs of live messages is filled at once with
// a `resume` frame. Durable frames (send, edit, delete, reaction, report,
// moderator request) made while offline wait in an outbox and go out on
// reconnect; the person is told they are waiting.

const config = JSON.parse(document.getElementById("room-config").textContent);
const initial = JSON.parse(document.getElementById("initial-messages").textContent);
const list = document.querySelector("[data-messages]");
const composer = document.querySelector("[data-composer]");
const textarea = composer ? composer.querySelector("textarea") : null;
const noteInput = composer ? composer.querySelector("[name=content_note]") : null;
const connection = document.querySelector("[data-connection]");
const typingBox = document.querySelector("[data-typing]");
const onlineList = document.querySelector("[data-online]");
const crisisSlot = document.querySelector("[data-crisis-slot]");
const replying = document.querySelector("[data-replying]");

const rendered = new Map(); // message id -> <li>
const pending = new Map(); // client_id -> {frame, element}
let lastId = 0;
// The highest seq and change number up to which this page holds everything.
let lastSeq = config.lastSeq || 0;
let lastChange = config.lastChange || 0;
let filling = false;
const outbox = []; // durable frames waiting for the socket
let firstId = null;
let socket = null;
let attempt = 0;
let replyTo = null;
let lastTypingSent = 0;
let readSent = config.lastRead || 0;
const typers = new Map();

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function formatTime(iso) {
  const date = new Date(iso);
  const today = new Date();
  const sameDay = date.toDateString() === today.toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })
    : date.toLocaleString([], { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
}

function setConnection(state, text) {
  connection.dataset.state = state;
  connection.textContent = text;
}

function announce(text) {
  const box = document.querySelector("[data-toasts]");
  if (!box) return;
  const item = el("div", { class: "toast", role: "status", text });
  box.append(item);
  setTimeout(() => item.remove(), 6000);
}

// --- rendering -------------------------------------------------------------

function bodyNode(m) {
  const body = el("div", { class: "body" });
  if (m.deleted) {
    body.append(el("span", { class: "removed", text: "This message was removed." }));
    return body;
  }
  const content = el("div");
  content.innerHTML = m.html; // sanitised on the server (nh3)
  if (m.content_note) {
    const details = el("details", { class: "content-note" });
    details.append(el("summary", { text: `Content note: ${m.content_note} (select to show)` }), content);
    body.append(details);
  } else {
    body.append(content);
  }
  return body;
}

function reactionsNode(m) {
  const box = el("div", { class: "reactions", "aria-label": "Reactions" });
  for (const r of m.reactions || []) {
    const mine = r.users.includes(config.user.id);
    const button = el("button", {
      type: "button", "aria-pressed": String(mine),
      "aria-label": `${r.emoji} reaction, ${r.count}${mine ? ", including you" : ""}`,
    }, `${config.reactions[r.emoji] || r.emoji} ${r.count}`);
    button.addEventListener("click", () => sendDurable({ type: "reaction.toggle", id: m.id, emoji: r.emoji }, "reaction"));
    box.append(button);
  }
  return box;
}

function toolsNode(m) {
  const tools = el("div", { class: "tools" });
  if (m.deleted || !m.id) return tools;
  const reply = el("button", { type: "button", "aria-label": `Reply to ${m.author.display_name}` }, "Reply");
  reply.addEventListener("click", () => startReply(m));
  tools.append(reply);
  const react = el("details", { class: "react-menu" });
  react.append(el("summary", { text: "React" }));
  for (const [key, emoji] of Object.entries(config.reactions)) {
    const b = el("button", { type: "button", "aria-label": `React with ${key}` }, emoji);
    b.addEventListener("click", () => { react.open = false; sendDurable({ type: "reaction.toggle", id: m.id, emoji: key }, "reaction"); });
    react.append(b);
  }
  tools.append(react);
  const mine = m.author.id === config.user.id;
  if (!mine && m.author.id) {
    const report = el("button", { type: "button", "aria-label": `Report message from ${m.author.display_name}` }, "Report");
    report.addEventListener("click", () => openReport(m));
    tools.append(report);
  }
  if (mine) {
    const edit = el("button", { type: "button" }, "Edit");
    edit.addEventListener("click", () => startEdit(m));
    tools.append(edit);
  }
  if (mine || config.canModerate) {
    const del = el("button", { type: "button" }, mine ? "Delete" : "Remove");
    del.addEventListener("click", () => {
      if (mine) {
        if (window.confirm("Delete this message for everyone?")) sendDurable({ type: "message.delete", id: m.id }, "deletion");
      } else {
        const reason = window.prompt("Reason for removing this message (members see only that a moderator removed it):");
        if (reason !== null) sendDurable({ type: "message.delete", id: m.id, reason }, "removal");
      }
    });
    tools.append(del);
  }
  return tools;
}

function messageNode(m, state = null) {
  const li = el("li", { class: "message", id: m.id ? `m${m.id}` : null, "data-id": m.id || "" });
  if (state) li.classList.add(state);
  if (m.reply_to) {
    li.append(el("div", { class: "quote", text: `↪ ${m.reply_to.author.display_name}: ${m.reply_to.deleted ? "(removed)" : m.reply_to.excerpt}` }));
  }
  const head = el("div", { class: "head" },
    el("span", { class: "who", text: m.author.display_name }),
    el("time", { datetime: m.created_at, text: formatTime(m.created_at) }));
  if (m.edited_at && !m.deleted) head.append(" ", el("span", { class: "edited", text: "(edited)" }));
  li.append(head, bodyNode(m));
  if (state) {
    li.append(el("span", { class: "state", text: state === "pending" ? "Sending…" : "Not sent." }));
  } else {
    if (!m.deleted) li.append(reactionsNode(m));
    li.append(toolsNode(m));
  }
  return li;
}

function placeInOrder(node, id) {
  // Messages are ordered by id; live messages nearly always go last.
  let before = null;
  for (const [otherId, other] of rendered) {
    if (otherId > id && (!before || otherId < Number(before.dataset.id))) before = other;
  }
  // Unsent messages stay below everything the server has stored.
  before = before || list.querySelector("li.message.pending, li.message.failed");
  if (before) list.insertBefore(node, before);
  else list.append(node);
}

function upsert(m, { scroll = true } = {}) {
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const pend = m.client_id && pending.get(m.client_id);
  const node = messageNode(m);
  // A held message released by a moderator comes back with a new id.
  list.querySelector(`li.held[data-client-id="${CSS.escape(m.client_id || "")}"]`)?.remove();
  if (pend) {
    // Stored: it takes its place in the room's order, which may be above
    // messages that others sent while it was pending.
    pend.element.remove();
    pending.delete(m.client_id);
    if (rendered.has(m.id)) rendered.get(m.id).replaceWith(node);
    else placeInOrder(node, m.id);
  } else if (rendered.has(m.id)) {
    rendered.get(m.id).replaceWith(node);
  } else {
    placeInOrder(node, m.id);
  }
  rendered.set(m.id, node);
  lastId = Math.max(lastId, m.id);
  firstId = firstId === null ? m.id : Math.min(firstId, m.id);
  if (m.deleted) markDeleted(m.id);
  seenSeq(m.seq);
  if (m.changed) seenChange(m.changed);
  if (scroll && (nearBottom || m.author.id === config.user.id)) list.scrollTop = list.scrollHeight;
  markRead();
}

// Only contiguous numbers advance the marks: a message or change that arrives
// ahead of one still in flight (two server processes, a slow link) must not let
// a reconnect skip the one behind it.
function seenSeq(seq) {
  if (!seq || seq <= lastSeq) return;
  if (seq === lastSeq + 1) lastSeq = seq;
  else fillGap();
}

function seenChange(change) {
  if (change === lastChange + 1) lastChange = change;
}

function fillGap() {
  if (filling) return;
  filling = send({ type: "resume", after_seq: lastSeq, changes: lastChange });
}

function markDeleted(id) {
  const node = rendered.get(id);
  if (!node) return;
  const body = node.querySelector(".body");
  body.replaceChildren(el("span", { class: "removed", text: "Removed by a moderator or its author." }));
  node.querySelector(".reactions")?.remove();
  node.querySelector(".tools")?.replaceChildren();
}

function updateReactions(id, reactions) {
  const node = rendered.get(id);
  if (!node) return;
  const old = node.querySelector(".reactions");
  const fresh = reactionsNode({ id, reactions });
  if (old) old.replaceWith(fresh);
}

function renderPresence(online) {
  onlineList.replaceChildren(...online.map((u) => el("li", { text: u.display_name })));
  if (!online.length) onlineList.append(el("li", { text: "Just you" }));
}

function renderTyping() {
  const names = [...typers.keys()];
  typingBox.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
}

// The support card, private to its author: their own safety plan first (read
// from the recovery app), then the program's crisis resources, and a one-tap
// request for a person. `tier` is "concern" (a gentle card) or "crisis".
function showCrisisCard(frame) {
  const crisis = frame.tier !== "concern";
  const card = el("section", { class: "crisis-card" + (crisis ? "" : " concern"), role: crisis ? "alert" : "region", "aria-labelledby": "crisis-h" });
  card.append(
    el("h2", { id: "crisis-h", text: crisis ? "You're not alone — support is here right now" : "Checking in with you" }),
    el("p", { text: crisis
      ? "Your message was posted. It sounds like things may be really hard. Moderators have been told and will check in with you."
      : "Your message was posted. It sounds like a hard moment. Here is your own plan, and people who can help:" }),
  );
  const plan = el("div", { class: "support-plan", "data-plan": "" });
  card.append(plan);
  if (frame.plan_url) {
    fetch(frame.plan_url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then((html) => { plan.innerHTML = html; })
      .catch(() => {});
  }
  const ul = el("ul");
  for (const r of frame.resources || []) {
    const li = el("li", {}, el("strong", { text: r.name }), " ", r.detail || "");
    if (r.phone) li.append(" ", el("a", { href: `tel:${r.phone}`, text: `Call ${r.phone}` }));
    if (r.sms) li.append(" ", el("a", { href: `sms:${r.sms}`, text: `Text ${r.sms}` }));
    ul.append(li);
  }
  const talk = el("button", { type: "button", "data-talk": "" }, "Talk to a moderator now");
  talk.addEventListener("click", () => { talk.disabled = true; sendDurable({ type: "moderator.request" }, "request for a moderator"); });
  const close = el("button", { type: "button", class: "secondary" }, "Close");
  close.addEventListener("click", () => card.remove());
  card.append(el("h3", { text: "People ready to listen, any time" }), ul, el("p", { "data-support-status": "" }, talk, " ", close));
  crisisSlot.replaceChildren(card);
  card.scrollIntoView({ block: "nearest" });
}

function supportStatus(text, link) {
  let status = crisisSlot.querySelector("[data-support-status]");
  if (!status) {
    status = el("p", { class: "support-status", "data-support-status": "" });
    crisisSlot.append(status);
  }
  status.replaceChildren(el("span", { text }));
  if (link) status.append(" ", el("a", { href: link, text: "Open the private conversation" }));
  announce(text);
}

// The room header's "talk to a moderator now" goes over the socket when it is
// open (the answer lands in the support card), else the form posts it.
document.querySelector("[data-talk-now]")?.addEventListener("submit", (event) => {
  if (socket && socket.readyState === WebSocket.OPEN) {
    event.preventDefault();
    send({ type: "moderator.request" });
  }
});

// "Riley has seen your request and opened a private conversation with you."
document.addEventListener("community:notification", (event) => {
  if (event.detail.kind === "support") supportStatus(event.detail.text, event.detail.url);
});

// --- socket ----------------------------------------------------------------

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  setConnection("connecting", attempt ? "Reconnecting…" : "Connecting…");
  socket = new WebSocket(
    `${scheme}://${location.host}/ws/rooms/${config.room}/?after_seq=${lastSeq}&changes=${lastChange}`,
  );
  filling = true; // the resume on connect is the fill
  socket.addEventListener("open", () => {
    attempt = 0;
    setConnection("online", "Connected");
    for (const { frame } of pending.values()) socket.send(JSON.stringify(frame));
    const waiting = outbox.splice(0);
    for (const frame of waiting) socket.send(JSON.stringify(frame));
    if (waiting.length) announce(`Back online: sent ${waiting.length} waiting action${waiting.length > 1 ? "s" : ""}.`);
  });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    filling = false;
    if (event.code === 4401 && !passwordRecheck) {
      // Signed out elsewhere or the password changed: check the session once
      // (a fresh page load re-authenticates this tab if it still can).
      passwordRecheck = true;
      fetch(location.href, { credentials: "same-origin", redirect: "manual" }).then((r) => {
        if (r.ok) setTimeout(connect, 500);
        else lockComposer("You were signed out. Sign in again to keep chatting.");
      });
      return;
    }
    if (event.code === 4401 || event.code === 4403) {
      lockComposer(event.code === 4403 ? "You no longer have access to this room." : "You were signed out.");
      return;
    }
    attempt += 1;
    const delay = Math.min(15000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    setConnection("offline", `Disconnected — retrying in ${Math.ceil(delay / 1000)} s`);
    setTimeout(connect, delay);
  });
}

function lockComposer(text) {
  setConnection("offline", text);
  composer?.querySelectorAll("textarea, input, button").forEach((c) => { c.disabled = true; });
  if (outbox.length) announce(`${outbox.length} action${outbox.length > 1 ? "s were" : " was"} not sent.`);
}

let passwordRecheck = false;

// Durable actions: sent now, or kept until the socket is back (never dropped
// silently); the person is told either way.
function sendDurable(frame, what) {
  if (send(frame)) return true;
  outbox.push(frame);
  announce(`Offline: your ${what} will be sent when the connection is back.`);
  return false;
}

function handle(frame) {
  switch (frame.type) {
    case "message":
    case "message.updated":
      upsert(frame.message);
      break;
    case "message.deleted":
      markDeleted(frame.id);
      if (frame.change) seenChange(frame.change);
      break;
    case "reaction":
      updateReactions(frame.id, frame.reactions);
      if (frame.change) seenChange(frame.change);
      break;
    case "resumed":
      if (frame.last_seq !== undefined) {
        lastSeq = Math.max(lastSeq, frame.last_seq);
        lastChange = Math.max(lastChange, frame.last_change);
      }
      filling = false;
      passwordRecheck = false;
      break;
    case "pong":
      // The room has more than this page holds (a broadcast lost with a dying
      // server process): fetch it now.
      if (frame.last_seq > lastSeq || frame.last_change > lastChange) fillGap();
      break;
    case "resync":
      // Too far behind to stream: reload the room's recent history, unless
      // something typed here is still waiting to be sent.
      if (!pending.size && !outbox.length) location.reload();
      else announce("You were away a while: reload the page to catch up once your messages are sent.");
      break;
    case "presence":
      renderPresence(frame.online);
      break;
    case "typing":
      if (frame.user.id === config.user.id) break;
      clearTimeout(typers.get(frame.user.display_name));
      typers.set(frame.user.display_name, setTimeout(() => { typers.delete(frame.user.display_name); renderTyping(); }, 4000));
      renderTyping();
      break;
    case "history":
      prependHistory(frame.messages, frame.has_more);
      break;
    case "crisis.resources":
      showCrisisCard(frame);
      break;
    case "message.held": {
      const pend = pending.get(frame.message.client_id);
      if (pend) {
        pending.delete(frame.message.client_id);
        pend.element.classList.replace("pending", "held");
        pend.element.dataset.clientId = frame.message.client_id;
        pend.element.querySelector(".state").textContent = "Waiting for a moderator's review before others see it.";
      }
      break;
    }
    case "report.received":
      announce("Thanks — moderators have your report.");
      break;
    case "moderator.requested":
      supportStatus(frame.text);
      break;
    case "room.updated":
      applyRoomState(frame.room);
      if (frame.change) seenChange(frame.change);
      break;
    case "error":
      handleError(frame);
      break;
    default:
      break;
  }
}

function handleError(frame) {
  const pend = frame.client_id && pending.get(frame.client_id);
  if (pend) {
    const retryable = frame.code === "rate_limited" || frame.code === "unavailable";
    pend.element.classList.remove("pending");
    pend.element.classList.add("failed");
    const state = pend.element.querySelector(".state");
    state.textContent = `Not sent: ${frame.detail} `;
    const retry = el("button", { type: "button", class: "secondary" }, "Retry");
    retry.addEventListener("click", () => {
      pend.element.classList.replace("failed", "pending");
      state.textContent = "Sending…";
      if (!send(pend.frame)) state.textContent = "Waiting for connection…";
    });
    const discard = el("button", { type: "button", class: "link-button" }, "Discard");
    discard.addEventListener("click", () => { pend.element.remove(); pending.delete(frame.client_id); });
    state.append(retry, " ", discard);
    if (retryable) setTimeout(() => retry.click(), (frame.retry_after || 3) * 1000 + 100);
  } else {
    announce(frame.detail);
  }
}

function prependHistory(messages, hasMore) {
  const anchor = list.scrollHeight - list.scrollTop;
  for (const m of messages.slice().reverse()) {
    if (rendered.has(m.id)) continue;
    const node = messageNode(m);
    placeInOrder(node, m.id);
    rendered.set(m.id, node);
    firstId = firstId === null ? m.id : Math.min(firstId, m.id);
  }
  const button = list.querySelector("[data-load-older]");
  if (!hasMore && button) button.closest("li").remove();
  else if (button) list.prepend(button.closest("li"));
  list.scrollTop = list.scrollHeight - anchor;
}

// The read marker: at most one frame every few seconds, for the newest message.
let readTimer = null;
function markRead() {
  if (readTimer) return;
  readTimer = setTimeout(() => {
    readTimer = null;
    if (document.visibilityState !== "visible" || lastId <= readSent) return;
    if (send({ type: "read", id: lastId })) readSent = lastId;
  }, 3000);
}

function applyRoomState(room) {
  let note = document.querySelector("[data-lock-note]");
  if (room.is_locked && !note) {
    note = el("p", { class: "pinned", role: "note", "data-lock-note": "", text: "This room is read-only right now." });
    list.closest("section").before(note);
    if (!config.canModerate) announce("A moderator locked this room for now.");
  } else if (!room.is_locked && note) {
    note.remove();
    announce("The room is open again.");
  }
  let pinned = document.querySelector("[data-pinned]");
  if (room.pinned) {
    if (!pinned) {
      pinned = el("div", { class: "pinned", role: "note", "aria-label": "Pinned message", "data-pinned": "" });
      list.closest("section").before(pinned);
    }
    const body = el("span");
    body.innerHTML = room.pinned.html; // rendered and sanitised on the server (nh3)
    pinned.replaceChildren(el("strong", { text: "Pinned: " }), body);
  } else {
    pinned?.remove();
  }
}

// --- reporting -------------------------------------------------------------

const reportDialog = document.querySelector("[data-report-dialog]");
let reporting = null;

function openReport(m) {
  reporting = m;
  const form = reportDialog.querySelector("form");
  form.reset();
  reportDialog.querySelector("[data-report-author]").textContent = m.author.display_name;
  reportDialog.showModal();
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

if (reportDialog) {
  reportDialog.querySelector("[data-report-cancel]").addEventListener("click", () => reportDialog.close());
  reportDialog.querySelector("form").addEventListener("submit", async (event) => {
    const form = event.target;
    const data = new FormData(form);
    if (data.get("reason") === "other" && !String(data.get("note") || "").trim()) {
      event.preventDefault();
      announce("Please say a few words about what is wrong.");
      return;
    }
    sendDurable({ type: "message.report", id: reporting.id, reason: data.get("reason"), note: data.get("note") || "" }, "report");
    if (data.get("block")) {
      const body = new URLSearchParams({ next: location.pathname });
      await fetch(`/rooms/members/${reporting.author.id}/block/`, {
        method: "POST", body, headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin",
      });
    }
  });
}

// --- composing -------------------------------------------------------------

function startReply(m) {
  replyTo = m.id;
  replying.hidden = false;
  replying.querySelector("[data-replying-text]").textContent = `Replying to ${m.author.display_name}: ${m.body.slice(0, 80)}`;
  textarea.focus();
}

function cancelReply() {
  replyTo = null;
  if (replying) replying.hidden = true;
}

function startEdit(m) {
  const node = rendered.get(m.id);
  const body = node.querySelector(".body");
  const form = el("form", { class: "edit" });
  const label = el("label", { for: `edit-${m.id}`, text: "Edit message" });
  const area = el("textarea", { id: `edit-${m.id}`, maxlength: "4000" });
  area.value = m.body;
  const save = el("button", { type: "submit" }, "Save");
  const cancel = el("button", { type: "button", class: "secondary" }, "Cancel");
  cancel.addEventListener("click", () => form.replaceWith(body));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (area.value.trim()) {
      sendDurable({ type: "message.edit", id: m.id, body: area.value }, "edit");
      form.replaceWith(body);
    }
  });
  form.append(label, area, el("div", { class: "row" }, save, " ", cancel));
  body.replaceWith(form);
  area.focus();
}

function submit(event) {
  event.preventDefault();
  const body = textarea.value.trim();
  if (!body) return;
  if (body.length > config.maxLength) {
    announce(`Messages can be up to ${config.maxLength} characters.`);
    return;
  }
  const clientId = crypto.randomUUID();
  const frame = { type: "message.send", client_id: clientId, body };
  if (replyTo) frame.reply_to = replyTo;
  if (noteInput && noteInput.value.trim()) frame.content_note = noteInput.value.trim();
  const optimistic = messageNode({
    id: 0, author: config.user, body, html: "", created_at: new Date().toISOString(),
    content_note: frame.content_note || "", reactions: [],
  }, "pending");
  optimistic.querySelector(".body").textContent = body;
  list.append(optimistic);
  list.scrollTop = list.scrollHeight;
  pending.set(clientId, { frame, element: optimistic });
  if (!send(frame)) optimistic.querySelector(".state").textContent = "Waiting for connection…";
  textarea.value = "";
  if (noteInput) noteInput.value = "";
  cancelReply();
}

if (composer) {
  composer.addEventListener("submit", submit);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submit(event);
  });
  textarea.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTypingSent > 2500 && send({ type: "typing" })) lastTypingSent = now;
  });
  document.querySelector("[data-cancel-reply]")?.addEventListener("click", cancelReply);
}

list.addEventListener("click", (event) => {
  if (event.target.closest("[data-load-older]") && firstId !== null) send({ type: "history", before: firstId, limit: 50 });
});
document.addEventListener("visibilitychange", markRead);
setInterval(() => send({ type: "ping" }), 30000);

// Initial render: the server page carried the newest messages.
let dividerPlaced = false;
for (const m of initial) {
  if (!dividerPlaced && config.lastRead && m.id > config.lastRead && m.author.id !== config.user.id) {
    list.append(el("li", { class: "unread-divider", role: "separator", text: "New since your last visit" }));
    dividerPlaced = true;
  }
  upsert(m, { scroll: false });
}
const divider = list.querySelector(".unread-divider");
if (divider) list.scrollTop = divider.offsetTop - list.offsetTop - 40;
else list.scrollTop = list.scrollHeight;
if (location.hash && rendered.has(Number(location.hash.slice(2)))) {
  rendered.get(Number(location.hash.slice(2))).scrollIntoView({ block: "center" });
}
connect();
