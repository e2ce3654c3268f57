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
const announcer = document.querySelector("[data-announcer]");
const newPill = document.querySelector("[data-new-messages]");
const postingBox = document.querySelector("[data-posting]");
const slowNote = document.querySelector("[data-slow-mode]");
const onlineCount = document.querySelector("[data-online-count]");
// On a touch keyboard Return makes a new line (people write paragraphs there);
// with a physical keyboard Enter sends and Shift+Enter makes a new line.
const touchTyping = window.matchMedia("(pointer: coarse)").matches;

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

// Times are shown in the member's own time zone (their profile), in one format.
const zone = config.timeZone || undefined;
const dayKey = (date) => date.toLocaleDateString("en-US", { timeZone: zone });

function formatTime(iso) {
  const date = new Date(iso);
  const time = date.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit", timeZone: zone });
  if (dayKey(date) === dayKey(new Date())) return time;
  return `${date.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: zone })}, ${time}`;
}

// One polite announcement per new message from someone else ("Jordan: …"),
// instead of the whole message list being a live region.
function announceMessage(m) {
  if (!announcer) return;
  const text = m.content_note ? `message with a content note: ${m.content_note}` : m.body.slice(0, 200);
  announcer.textContent = `${m.author.display_name}: ${text}`;
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
  const box = el("div", { class: "reactions" });
  if ((m.reactions || []).length) { box.setAttribute("role", "group"); box.setAttribute("aria-label", "Reactions"); }
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

// Every action on a message sits behind one "More" button: one tab stop per
// message instead of four. The menu is a real menu (arrow keys, Home/End,
// Escape returns focus to its button); a long press on a touch screen opens it.
function actionsFor(m) {
  const mine = m.author.id === config.user.id;
  const what = describe(m);
  const items = [{ label: "Reply", aria: `Reply to ${what}`, run: () => startReply(m) }];
  for (const [key, emoji] of Object.entries(config.reactions)) {
    items.push({ label: `React ${emoji}`, aria: `React with ${key}`, run: () => sendDurable({ type: "reaction.toggle", id: m.id, emoji: key }, "reaction") });
  }
  if (mine) items.push({ label: "Edit", aria: `Edit ${what}`, run: () => startEdit(m) });
  if (!mine && m.author.id) items.push({ label: "Report", aria: `Report ${what}`, run: () => openReport(m) });
  // Only for authors this member may write to (their setting, blocks): the
  // server listed them with the page.
  if (!mine && (config.messageable || []).includes(m.author.id)) {
    const url = config.messageUrl.replace(/\/0\/$/, `/${m.author.id}/`);
    items.push({ label: `Message ${m.author.display_name}`, aria: `Send ${m.author.display_name} a private message`, run: () => { location.href = url; } });
  }
  if (config.canModerate) items.push({ label: "Pin to the top", aria: `Pin to the top: ${what}`, run: () => sendDurable({ type: "room.pin", id: m.id }, "pin") });
  if (mine) {
    items.push({ label: "Delete", aria: `Delete ${what}`, run: () => { if (window.confirm("Delete this message for everyone?")) sendDurable({ type: "message.delete", id: m.id }, "deletion"); } });
  } else if (config.canModerate) {
    items.push({ label: "Remove", aria: `Remove ${what}`, run: () => openRemove(m) });
  }
  return items;
}

function describe(m) {
  return m.author.id === config.user.id
    ? `your message from ${formatTime(m.created_at)}`
    : `message from ${m.author.display_name} at ${formatTime(m.created_at)}`;
}

function toolsNode(m) {
  const tools = el("div", { class: "tools" });
  if (m.deleted || !m.id) return tools;
  const menuId = `menu-${m.id}`;
  const more = el("button", {
    type: "button", class: "more", "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": menuId,
    "aria-label": `Actions for ${describe(m)}`, "data-more": "",
  }, "⋯");
  const menu = el("ul", { class: "menu", role: "menu", id: menuId, hidden: "", "aria-label": `Actions for ${describe(m)}` });
  for (const item of actionsFor(m)) {
    const button = el("button", { type: "button", role: "menuitem", tabindex: "-1", "aria-label": item.aria }, item.label);
    // Focus goes back to the message's "More" button, unless the action
    // takes it somewhere (the composer for a reply, the edit box, a dialog).
    button.addEventListener("click", () => { closeMenu(menu, true); item.run(); });
    menu.append(el("li", { role: "none" }, button));
  }
  more.addEventListener("click", () => (menu.hidden ? openMenu(menu) : closeMenu(menu)));
  menu.addEventListener("keydown", (event) => menuKeys(event, menu));
  tools.append(more, menu);
  return tools;
}

let openedMenu = null;
let lastPointer = "mouse";
document.addEventListener("pointerdown", (event) => { lastPointer = event.pointerType; }, { capture: true });

function openMenu(menu) {
  if (openedMenu && openedMenu !== menu) closeMenu(openedMenu, false);
  menu.hidden = false;
  menu.previousElementSibling.setAttribute("aria-expanded", "true");
  openedMenu = menu;
  menu.querySelector("[role=menuitem]").focus();
}

function closeMenu(menu, refocus = true) {
  if (menu.hidden) return;
  menu.hidden = true;
  menu.previousElementSibling.setAttribute("aria-expanded", "false");
  if (openedMenu === menu) openedMenu = null;
  if (refocus) menu.previousElementSibling.focus();
}

function menuKeys(event, menu) {
  const items = [...menu.querySelectorAll("[role=menuitem]")];
  const at = items.indexOf(document.activeElement);
  const go = (i) => { event.preventDefault(); items[(i + items.length) % items.length].focus(); };
  if (event.key === "ArrowDown") go(at + 1);
  else if (event.key === "ArrowUp") go(at - 1);
  else if (event.key === "Home") go(0);
  else if (event.key === "End") go(items.length - 1);
  else if (event.key === "Escape" || event.key === "Tab") { if (event.key === "Escape") event.preventDefault(); closeMenu(menu, event.key === "Escape"); }
}

document.addEventListener("click", (event) => {
  if (openedMenu && !openedMenu.parentElement.contains(event.target)) closeMenu(openedMenu, false);
});

function messageNode(m, state = null) {
  const li = el("li", { class: "message", id: m.id ? `m${m.id}` : null, "data-id": m.id || "", "data-author": m.author.id || "" });
  // The room's change number of this version: an older copy never replaces it.
  li.dataset.changed = m.changed || 0;
  if (state) li.classList.add(state);
  if (m.reply_to) {
    li.append(el("div", { class: "quote", text: `↪ ${m.reply_to.author.display_name}: ${m.reply_to.deleted ? "(removed)" : m.reply_to.excerpt}` }));
  }
  const head = el("div", { class: "head" }, el("span", { class: "who", text: m.author.display_name }));
  // A real role badge: a display name alone can never claim to be a moderator.
  if (m.author.badge) head.append(el("span", { class: "role-badge", text: m.author.badge }), " ");
  head.append(el("time", { datetime: m.created_at, text: formatTime(m.created_at) }));
  if (m.edited_at && !m.deleted) head.append(" ", el("span", { class: "edited", text: "(edited)" }));
  li.append(head, bodyNode(m));
  if (state) {
    li.append(el("span", { class: "state", text: state === "pending" ? "Sending…" : "Not sent." }));
  } else {
    if (!m.deleted) li.append(reactionsNode(m));
    li.append(toolsNode(m));
    // A long press on a touch screen (contextmenu) opens the message's menu.
    li.addEventListener("contextmenu", (event) => {
      const menu = li.querySelector(".menu");
      // Only a long press on a touch screen: a mouse's right click keeps the
      // browser's own menu (copy, translate, spelling).
      if (!menu || event.target.closest("a") || lastPointer !== "touch") return;
      event.preventDefault();
      openMenu(menu);
    });
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

function nearBottom() {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}

function upsert(m, { scroll = true, live = false } = {}) {
  const atBottom = nearBottom();
  const pend = m.client_id && pending.get(m.client_id);
  const node = messageNode(m);
  const old = rendered.get(m.id);
  if (old && !pend && (m.changed || 0) < Number(old.dataset.changed || 0)) {
    // An older copy (a backlog read before a change this page already shows):
    // the page keeps what it has.
    seenSeq(m.seq);
    return;
  }
  // Focus stays where the person was when their message is re-drawn (after a
  // reaction, an edit): on the same message's "More" button.
  const hadFocus = old && old.contains(document.activeElement);
  const isNew = !old && !pend;
  // A held message released by a moderator keeps its id: drop the page's
  // "waiting for review" copy, keyed by client_id.
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
  remember(m.author);
  lastId = Math.max(lastId, m.id);
  firstId = firstId === null ? m.id : Math.min(firstId, m.id);
  if (m.deleted) markDeleted(m.id);
  if (hadFocus) node.querySelector("[data-more]")?.focus();
  seenSeq(m.seq);
  if (m.changed) seenChange(m.changed);
  const others = m.author.id !== config.user.id;
  if (scroll && (atBottom || !others)) list.scrollTop = list.scrollHeight;
  else if (live && isNew && others && !m.deleted) newPill.hidden = false;
  if (live && isNew && others && !m.deleted) announceMessage(m);
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

function markDeleted(id, change = 0) {
  const node = rendered.get(id);
  if (!node) return;
  if (change && change < Number(node.dataset.changed || 0)) return; // older than what is shown
  node.dataset.changed = Math.max(Number(node.dataset.changed || 0), change || 0);
  const body = node.querySelector(".body");
  body.replaceChildren(el("span", { class: "removed", text: "This message was removed." }));
  node.querySelector(".reactions")?.remove();
  node.querySelector(".tools")?.replaceChildren();
}

function updateReactions(id, reactions, change = 0) {
  const node = rendered.get(id);
  if (!node) return;
  if (change && change < Number(node.dataset.changed || 0)) return; // older than what is shown
  node.dataset.changed = Math.max(Number(node.dataset.changed || 0), change || 0);
  const old = node.querySelector(".reactions");
  const fresh = reactionsNode({ id, reactions });
  if (old) old.replaceWith(fresh);
}

const blockedIds = new Set();
let lastOnline = [];
let lastCount = 0;

// The server names at most 50 members online and counts them all.
function renderPresence(all, count) {
  lastOnline = all;
  lastCount = count ?? all.length;
  const online = all.filter((u) => !blockedIds.has(u.id));
  const hidden = all.length - online.length;
  const total = Math.max(online.length, lastCount - hidden);
  online.forEach(remember);
  onlineList.replaceChildren(...online.map((u) => el("li", {}, u.display_name, u.badge ? el("span", { class: "role-badge", text: u.badge }) : null)));
  if (total > online.length) onlineList.append(el("li", { class: "muted", text: `and ${total - online.length} more` }));
  if (!online.length && !total) onlineList.append(el("li", { text: "Just you" }));
  if (onlineCount) onlineCount.textContent = `${total || 1} online`;
}

function renderTyping() {
  const names = [...typers.keys()];
  const text = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  // Only a change is written (and so announced): not every typing frame.
  if (typingBox.textContent !== text) typingBox.textContent = text;
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
      upsert(frame.message, { live: !filling });
      break;
    case "message.updated":
      upsert(frame.message);
      break;
    case "posting":
      applyPosting(frame);
      break;
    case "block.updated":
      if (frame.blocked) hideAuthor(frame.user_id);
      else {
        blockedIds.delete(frame.user_id);
        announce("Unblocked. Their new messages will show here; reload to see earlier ones.");
      }
      break;
    case "message.deleted":
      markDeleted(frame.id, frame.change);
      if (frame.change) seenChange(frame.change);
      break;
    case "reaction":
      updateReactions(frame.id, frame.reactions, frame.change);
      if (frame.change) seenChange(frame.change);
      break;
    case "resumed":
      if (frame.last_seq !== undefined) {
        lastSeq = Math.max(lastSeq, frame.last_seq);
        lastChange = Math.max(lastChange, frame.last_change);
      }
      filling = false;
      passwordRecheck = false;
      if (frame.posting) applyPosting(frame.posting);
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
      renderPresence(frame.online, frame.count);
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
      applyRoomState(frame.room, frame.guidelines_changed);
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
    remember(m.author);
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

// --- who may post now ---------------------------------------------------------

let denial = config.posting ? config.posting.denial : null;
let muteTimer = null;
const DENIAL_TEXT = {
  locked: () => "A moderator has locked this room for now. You can still read everything.",
  muted: (p) => `You're muted in this room until ${formatTime(p.until)}. You can still read everything.`,
  banned: () => "You can't post in this room.",
  forbidden: () => "You can read this room but not post.",
  closed: () => "This conversation is closed: no new messages can be sent in it.",
};

// The composer follows the server's word on posting (a lock, a mute, new
// guidelines): it greys out with a plain-language banner at once, keeping any
// draft, instead of letting a send fail.
function applyPosting(p) {
  const before = denial;
  denial = p.denial || null;
  if (!composer || !postingBox) return;
  composer.querySelectorAll("textarea, input, button[type=submit]").forEach((c) => { c.disabled = Boolean(denial); });
  composer.classList.toggle("disabled", Boolean(denial));
  // The skip link leads to whatever explains why the box is greyed out.
  document.querySelector("[data-skip-composer]")?.setAttribute("href", denial ? "#posting-state" : "#composer-body");
  if (!denial) {
    postingBox.hidden = true;
    postingBox.replaceChildren();
    if (before && announcer) announcer.textContent = "You can post in this room again.";
    return;
  }
  postingBox.hidden = false;
  clearTimeout(muteTimer);
  if (denial === "muted" && p.until) {
    // Nothing is sent when a mute simply runs out: ask again when it should have.
    muteTimer = setTimeout(() => send({ type: "posting" }), Math.max(0, new Date(p.until) - Date.now()) + 1500);
  }
  if (denial === "guidelines") {
    // A real form: accepted over the socket when it is open, else posted.
    const accept = el("form", { method: "post", action: config.acceptGuidelinesUrl },
      el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrfToken() }),
      el("input", { type: "hidden", name: "version", value: p.guidelines_version ?? "" }),
      el("button", { type: "submit" }, "I've read these — let me post"));
    accept.addEventListener("submit", (event) => {
      if (send({ type: "guidelines.accept", version: p.guidelines_version })) event.preventDefault();
    });
    const text = el("div", { class: "guidelines" });
    for (const para of (p.guidelines || "").split(/\n{2,}/)) text.append(el("p", { text: para }));
    postingBox.replaceChildren(el("h2", { text: "The room's guidelines" }), text, accept);
  } else {
    postingBox.replaceChildren(el("p", { text: (DENIAL_TEXT[denial] || DENIAL_TEXT.forbidden)(p) }));
  }
  // The banner is on screen; a screen reader hears it once, from the announcer.
  if (before !== denial && announcer) announcer.textContent = postingBox.textContent.slice(0, 300);
}

function hideAuthor(userId) {
  for (const [id, node] of rendered) {
    if (node.dataset.author === String(userId)) { node.remove(); rendered.delete(id); }
  }
  for (const [name, user] of known) if (user.id === userId) known.delete(name);
  blockedIds.add(userId);
  renderPresence(lastOnline, lastCount);
  announce("Blocked: you won't see their messages or mentions.");
}

function applyRoomState(room, guidelinesChanged = false) {
  // Moderators can still post in a locked room: they get a note, members the
  // composer's banner.
  let note = document.querySelector("[data-lock-note]");
  if (room.is_locked && !note && config.canModerate) {
    note = el("p", { class: "pinned", role: "note", "data-lock-note": "", text: "This room is locked: only moderators can post." });
    list.closest("section").before(note);
  } else if (!room.is_locked && note) {
    note.remove();
  }
  if (!config.canModerate && room.is_locked && denial !== "locked") applyPosting({ denial: "locked" });
  // The server has the whole picture (a mute, new guidelines): ask it.
  // Spread over two seconds: a change must not make every open page ask at once.
  if (!config.canModerate && (room.is_locked !== config.locked || guidelinesChanged)) {
    setTimeout(() => send({ type: "posting" }), Math.random() * 2000);
  }
  config.locked = room.is_locked;
  if (slowNote) {
    slowNote.hidden = !room.slow_mode_seconds;
    slowNote.textContent = room.slow_mode_seconds ? `Slow mode is on: one message every ${room.slow_mode_seconds} seconds.` : "";
  }
  let pinned = document.querySelector("[data-pinned]");
  if (room.pinned) {
    if (!pinned) {
      pinned = el("div", { class: "pinned", role: "note", "aria-label": "Pinned message", "data-pinned": "", tabindex: "0" });
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

function openRemove(m) {
  const reason = window.prompt(`Reason for removing the message from ${m.author.display_name} (only they are told the reason; the room sees that it was removed):`);
  if (reason !== null) sendDurable({ type: "message.delete", id: m.id, reason }, "removal");
}

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

// --- @mention suggestions ------------------------------------------------------
// Suggested from the people this page has already seen (authors of loaded
// messages, who is online): never a member list the page could not see.
const known = new Map(); // lower-cased name -> public member
const mentionList = document.querySelector("[data-mentions]");
let suggestions = [];
let chosen = 0;

function remember(user) {
  if (user && user.id && user.id !== config.user.id) known.set(user.display_name.toLowerCase(), user);
}

function mentionQuery() {
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = before.match(/(?:^|\s)@([^@\n]{0,30})$/);
  return match ? match[1] : null;
}

function suggestMentions() {
  if (!mentionList) return;
  const query = mentionQuery();
  if (query === null) return closeSuggestions();
  const q = query.toLowerCase();
  suggestions = [...known.values()]
    .filter((u) => u.display_name.toLowerCase().startsWith(q) || u.display_name.toLowerCase().includes(` ${q}`))
    .sort((a, b) => a.display_name.localeCompare(b.display_name))
    .slice(0, 6);
  if (!suggestions.length) return closeSuggestions();
  chosen = 0;
  renderSuggestions();
  if (announcer) announcer.textContent = `${suggestions.length} ${suggestions.length === 1 ? "person" : "people"} to mention: up and down arrows to choose, Enter to insert.`;
}

function renderSuggestions() {
  mentionList.replaceChildren(...suggestions.map((u, i) => {
    const option = el("li", { role: "option", id: `mention-${u.id}`, "aria-selected": String(i === chosen) }, u.display_name, u.badge ? el("span", { class: "role-badge", text: u.badge }) : null);
    option.addEventListener("pointerdown", (event) => { event.preventDefault(); insertMention(u); });
    return option;
  }));
  mentionList.hidden = false;
  textarea.setAttribute("aria-activedescendant", `mention-${suggestions[chosen].id}`);
}

function closeSuggestions() {
  if (!mentionList || mentionList.hidden) return;
  mentionList.hidden = true;
  mentionList.replaceChildren();
  suggestions = [];
  textarea.removeAttribute("aria-activedescendant");
}

function insertMention(user) {
  const caret = textarea.selectionStart;
  const before = textarea.value.slice(0, caret).replace(/@([^@\n]{0,30})$/, `@${user.display_name} `);
  textarea.value = before + textarea.value.slice(caret);
  textarea.setSelectionRange(before.length, before.length);
  closeSuggestions();
  textarea.focus();
}

function suggestionKeys(event) {
  if (!suggestions.length) return false;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    chosen = (chosen + (event.key === "ArrowDown" ? 1 : suggestions.length - 1)) % suggestions.length;
    renderSuggestions();
  } else if (event.key === "Enter" || event.key === "Tab") {
    insertMention(suggestions[chosen]);
  } else if (event.key === "Escape") {
    closeSuggestions();
  } else {
    return false;
  }
  event.preventDefault();
  return true;
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
    if (suggestionKeys(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !touchTyping) submit(event);
  });
  textarea.addEventListener("input", suggestMentions);
  textarea.addEventListener("blur", () => setTimeout(closeSuggestions, 150));
  textarea.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTypingSent > 2500 && send({ type: "typing" })) lastTypingSent = now;
  });
  document.querySelector("[data-cancel-reply]")?.addEventListener("click", cancelReply);
}

if (touchTyping) document.querySelector("[data-composer-help]")?.replaceChildren("Return makes a new line; tap Send to post. **bold**, *italics*, links and lists work.");
list.addEventListener("scroll", () => { if (nearBottom()) newPill.hidden = true; });
newPill?.addEventListener("click", () => {
  list.scrollTop = list.scrollHeight;
  newPill.hidden = true;
  textarea?.focus();
});

list.addEventListener("click", (event) => {
  if (event.target.closest("[data-load-older]") && firstId !== null) send({ type: "history", before: firstId, limit: 50 });
});
document.addEventListener("visibilitychange", markRead);
setInterval(() => send({ type: "ping" }), 30000);

// Initial render: the server page carried the newest messages.
let dividerPlaced = false;
for (const m of initial) {
  if (!dividerPlaced && config.lastRead && m.id > config.lastRead && m.author.id !== config.user.id) {
    list.append(el("li", { class: "unread-divider", text: "New since your last visit" }));
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
if (config.posting && config.posting.denial) applyPosting(config.posting);
connect();
