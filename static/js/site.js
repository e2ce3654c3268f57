// Every page: the live notification badge and toasts over /ws/notifications/,
// and for moderators the crisis console's frames: the open-alert badge in the
// header, and a banner that stays on screen until the alert is acknowledged.
const badge = document.querySelector("[data-unread]");
const crisisCount = document.querySelector("[data-crisis-count]");
const banners = document.querySelector("[data-crisis-banners]");
const onConsole = Boolean(document.querySelector("[data-open-alerts]"));

// The theme switch: dark follows the system until the member picks; a pick
// that matches the system is forgotten, so the page follows the system again.
// base.html applies the stored pick before the first paint.
const systemDark = window.matchMedia("(prefers-color-scheme: dark)");
const themeSwitch = document.querySelector("[data-theme-switch]");

function currentTheme() {
  return document.documentElement.dataset.theme || (systemDark.matches ? "dark" : "light");
}

function showTheme() {
  if (!themeSwitch) return;
  themeSwitch.setAttribute("aria-pressed", String(currentTheme() === "dark"));
}

function chooseTheme(theme) {
  const system = systemDark.matches ? "dark" : "light";
  try {
    if (theme === system) localStorage.removeItem("theme");
    else localStorage.setItem("theme", theme);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
  }
  if (theme === system) delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  showTheme();
}

if (themeSwitch) {
  themeSwitch.hidden = false;
  themeSwitch.addEventListener("click", () => chooseTheme(currentTheme() === "dark" ? "light" : "dark"));
  systemDark.addEventListener("change", showTheme);
  showTheme();
}

// The welcome page: offer this device's time zone when it differs from the
// one chosen (the account starts with the program's zone).
const zoneSelect = document.querySelector("[data-guess-zone]");
const zoneHint = document.querySelector("[data-zone-hint]");
if (zoneSelect && zoneHint) {
  const deviceZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const option = [...zoneSelect.options].find((o) => o.value === deviceZone);
  if (option && zoneSelect.value !== deviceZone) {
    zoneHint.querySelector("[data-zone-text]").textContent = `This device is set to ${option.textContent}.`;
    zoneHint.hidden = false;
    zoneHint.querySelector("[data-zone-use]").addEventListener("click", () => {
      zoneSelect.value = deviceZone;
      zoneHint.hidden = true;
      zoneSelect.focus();
    });
  }
}

// Copy buttons: [data-copy="#selector"] copies that field's value and says so
// in the page's [data-copy-status]. Hidden until this script runs, since
// they do nothing without it.
for (const button of document.querySelectorAll("[data-copy]")) {
  const field = document.querySelector(button.dataset.copy);
  const status = document.querySelector("[data-copy-status]");
  if (!field) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      if (status) status.textContent = "Copied. Paste it into your calendar app.";
    } catch {
      field.select();
      if (status) status.textContent = "Copying was blocked: the address is selected, press Ctrl+C or ⌘C.";
    }
  });
}

function toast(text, url) {
  const box = document.querySelector("[data-toasts]");
  if (!box) return;
  const item = document.createElement("div");
  item.className = "toast";
  item.setAttribute("role", "status");
  if (url) {
    const link = document.createElement("a");
    link.href = url;
    link.textContent = text;
    item.append(link);
  } else {
    item.textContent = text;
  }
  box.append(item);
  setTimeout(() => item.remove(), 8000);
}

function setCount(element, count) {
  if (!element) return;
  const hidden = element.querySelector(".visually-hidden");
  element.dataset.count = String(count);
  element.textContent = "";
  if (hidden) element.append(hidden);
  element.append(String(count));
  element.hidden = count === 0;
}

function bump() {
  if (!badge) return;
  const count = (parseInt(badge.dataset.count || badge.textContent.replace(/\D/g, "") || "0", 10) || 0) + 1;
  setCount(badge, count);
}

// A crisis alert is not a toast: on every page but the console it stays as a
// banner until a moderator acknowledges it (the next frame for it says so).
function crisisBanner(alert) {
  if (!banners || onConsole) return;
  const existing = banners.querySelector(`[data-banner="${alert.id}"]`);
  if (alert.status !== "open") {
    existing?.remove();
    return;
  }
  const who = alert.member ? alert.member.display_name : "A member";
  const where = alert.room ? ` in ${alert.room.name}` : "";
  const what = alert.urgent ? "asked to talk to a moderator now" : "may be in crisis";
  const item = existing || document.createElement("div");
  item.className = "crisis-banner" + (alert.urgent ? " urgent" : "");
  item.dataset.banner = String(alert.id);
  item.setAttribute("role", "alert");
  item.textContent = "";
  const text = document.createElement("span");
  text.textContent = `${who}${where} ${what}. `;
  const link = document.createElement("a");
  link.href = `/moderation/crisis/#alert-${alert.id}`;
  link.textContent = "Open the crisis console";
  item.append(text, link);
  if (!existing) banners.prepend(item);
}

function connect(attempt = 0) {
  if (!badge) return; // not signed in
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/notifications/`);
  socket.addEventListener("open", () => {
    attempt = 0;
    document.dispatchEvent(new CustomEvent("community:live", { detail: { live: true } }));
  });
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "notification") {
      bump();
      const kind = frame.notification.kind;
      // Crisis pages are shown by the console and the banner, not a passing toast.
      // A message in the conversation on screen needs no toast: it is right there.
      const here = kind === "dm" && new URL(frame.notification.url, location.href).pathname === location.pathname;
      if (kind !== "crisis_alert" && kind !== "moderator_request" && !here) toast(frame.notification.text, frame.notification.url);
      document.dispatchEvent(new CustomEvent("community:notification", { detail: frame.notification }));
    } else if (frame.type === "crisis.alert") {
      setCount(crisisCount, frame.open_count);
      crisisBanner(frame.alert);
      document.dispatchEvent(new CustomEvent("community:crisis-alert", { detail: frame }));
    }
  });
  socket.addEventListener("close", (event) => {
    document.dispatchEvent(new CustomEvent("community:live", { detail: { live: false } }));
    if (event.code === 4401 || event.code === 4403) return;
    const delay = Math.min(30000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    setTimeout(() => connect(attempt + 1), delay);
  });
}

connect();
export { toast };
