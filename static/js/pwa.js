// Every page: the installable app and notifications outside the page.
// - Registers the service worker (/sw.js: the offline page and Web Push).
// - While the page is open but hidden, a mention, direct message or a
//   moderator reaching out shows a desktop notification and plays a short
//   sound, if the member turned those on (asked once, with an explanation,
//   the first time one arrives while they are looking; switchable on
//   /notifications/settings/). Choices live in this browser only.
// - On the settings page: turns Web Push on or off for this device.
// - Keeps this device's push subscription tied to the member's current
//   sign-in (the server drops it when that session ends).
const DESKTOP_KEY = "desktop-notify";
const SOUND_KEY = "notify-sound";
const ASKED_KEY = "desktop-asked";
const OWNER_KEY = "push-owner";
const SYNC_KEY = "push-synced";
const DESKTOP_KINDS = {
  mention: "New mention",
  dm: "New direct message",
  dm_request: "New message request",
  support: "A moderator reached out",
};
const ICON = "/static/icons/icon-192.png";
const SUBSCRIBE_TIMEOUT_MS = 15000;
const who = document.querySelector('meta[name="push-member"]');
const member = who ? who.content : "";

function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage refused (private mode): everything stays off
  }
}

function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Refused: the choice lasts for this page only.
  }
}

function csrfToken() {
  const input = document.querySelector('input[name="csrfmiddlewaretoken"]');
  if (input) return input.value;
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function postJSON(url, data) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(data),
  });
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  return { ok: response.ok, status: response.status, error: body.error || response.statusText };
}

const registration =
  "serviceWorker" in navigator
    ? navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => null) // the site works without it
    : Promise.resolve(null);

// --- Sound and desktop notifications while the page is hidden -----------------

export function chime() {
  try {
    const audio = new AudioContext();
    for (const [delay, pitch] of [[0, 660], [0.2, 880]]) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = pitch;
      gain.gain.setValueAtTime(0.15, audio.currentTime + delay);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + delay + 0.2);
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + delay);
      tone.stop(audio.currentTime + delay + 0.22);
    }
  } catch {
    // No audio device: the notification and the badge still say it.
  }
}

function desktopAllowed() {
  return "Notification" in window && Notification.permission === "granted";
}

async function turnDesktopOn() {
  if (!("Notification" in window)) return "This browser cannot show notifications.";
  const permission = await Notification.requestPermission();
  store(ASKED_KEY, "yes");
  if (permission !== "granted") {
    store(DESKTOP_KEY, "off");
    return "Notifications are blocked for this site in the browser's settings.";
  }
  store(DESKTOP_KEY, "on");
  return "Notifications are on for this computer.";
}

function offerOnce() {
  const box = document.querySelector("[data-toasts]");
  if (!box || !("Notification" in window) || Notification.permission !== "default") return;
  if (stored(ASKED_KEY) || box.querySelector("[data-desktop-offer]")) return;
  // Not over a conversation: the card would cover the composer. The next
  // mention that arrives on another page asks.
  if (document.querySelector("[data-messages]")) return;
  const card = document.createElement("section");
  card.className = "toast desktop-offer";
  card.dataset.desktopOffer = "";
  card.setAttribute("aria-label", "Desktop notifications");
  const text = document.createElement("p");
  const settings = document.createElement("a");
  settings.href = "/notifications/settings/";
  settings.textContent = "notification settings";
  text.append(
    "Want a notification on this computer when someone mentions you or messages you while this tab is in the background? You can change this any time in ",
    settings,
    ".",
  );
  const yes = document.createElement("button");
  yes.type = "button";
  yes.textContent = "Turn on";
  const no = document.createElement("button");
  no.type = "button";
  no.className = "secondary";
  no.textContent = "Not now";
  yes.addEventListener("click", async () => {
    card.remove();
    await turnDesktopOn();
  });
  no.addEventListener("click", () => {
    store(ASKED_KEY, "yes");
    card.remove();
  });
  card.append(text, yes, " ", no);
  box.append(card);
}

document.addEventListener("community:notification", (event) => {
  const notification = event.detail;
  const title = DESKTOP_KINDS[notification.kind];
  if (!title) return;
  if (!document.hidden) {
    offerOnce();
    return;
  }
  if (stored(DESKTOP_KEY) === "on" && desktopAllowed()) {
    // The same tag as a Web Push of the same notification: one replaces the other.
    const note = new Notification(title, { body: notification.text, tag: `notification-${notification.id}`, icon: ICON });
    note.addEventListener("click", () => {
      window.focus();
      const url = notification.url || "";
      if (url.startsWith("/") && !url.startsWith("//")) location.href = url;
      note.close();
    });
  }
  if (stored(SOUND_KEY) === "on") chime();
});

// --- Web Push on this device --------------------------------------------------

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function sameKey(subscription, publicKey) {
  const current = subscription.options && subscription.options.applicationServerKey;
  if (!current) return true;
  const wanted = keyBytes(publicKey);
  const have = new Uint8Array(current);
  return have.length === wanted.length && have.every((b, i) => b === wanted[i]);
}

async function pushManager() {
  if (!("PushManager" in window)) return null;
  const reg = await registration;
  if (!reg) return null;
  await navigator.serviceWorker.ready;
  return reg.pushManager;
}

async function subscribe(section) {
  const publicKey = section.dataset.publicKey;
  const manager = await pushManager();
  if (!manager) throw new Error("This browser cannot receive push notifications.");
  if ((await Notification.requestPermission()) !== "granted") {
    throw new Error("Notifications are blocked for this site in the browser's settings.");
  }
  let subscription = await manager.getSubscription();
  if (subscription && !sameKey(subscription, publicKey)) {
    await subscription.unsubscribe(); // made for another server key
    subscription = null;
  }
  if (!subscription) {
    // The browser asks its own push service (Google's, Mozilla's, Apple's…)
    // for an address; without a connection to it the promise may never
    // settle, so the page stops waiting and says so.
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error("no answer")), SUBSCRIBE_TIMEOUT_MS);
    });
    try {
      subscription = await Promise.race([
        manager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }),
        late,
      ]);
    } catch (error) {
      throw new Error(
        `This browser could not reach its push service (${error.name === "Error" ? error.message : `${error.name}: ${error.message}`}). Try again later.`,
      );
    } finally {
      clearTimeout(timer);
    }
  }
  const answer = await postJSON(section.dataset.subscribeUrl, subscription.toJSON());
  if (!answer.ok) throw new Error(answer.error);
  store(OWNER_KEY, member.split("-")[0]);
  store(SYNC_KEY, `${member}|${subscription.endpoint}`);
  return subscription;
}

async function unsubscribe(section) {
  const manager = await pushManager();
  const subscription = manager ? await manager.getSubscription() : null;
  if (subscription) {
    await postJSON(section.dataset.unsubscribeUrl, { endpoint: subscription.endpoint });
    await subscription.unsubscribe();
  }
  store(OWNER_KEY, null);
  store(SYNC_KEY, null);
}

async function showDevice(section) {
  const state = section.querySelector("[data-push-state]");
  const on = section.querySelector("[data-push-on]");
  const off = section.querySelector("[data-push-off]");
  const manager = await pushManager();
  if (!manager) {
    state.textContent = "This browser cannot receive push notifications. On a phone, add this site to your home screen first.";
    return;
  }
  if (Notification.permission === "denied") {
    state.textContent = "Notifications are blocked for this site in this browser's settings.";
    return;
  }
  const subscription = await manager.getSubscription();
  const mine = subscription && stored(OWNER_KEY) === member.split("-")[0];
  state.textContent = mine ? "Push is on for this device." : "Push is off for this device.";
  on.hidden = Boolean(mine);
  off.hidden = !mine;
}

const device = document.querySelector("[data-push-device]");
if (device && device.querySelector("[data-push-state]")) {
  const status = device.querySelector("[data-push-status]");
  const onButton = device.querySelector("[data-push-on]");
  onButton.addEventListener("click", async () => {
    status.textContent = "Turning push on…";
    onButton.disabled = true;
    try {
      await subscribe(device);
      status.textContent = "Push is on for this device.";
    } catch (error) {
      status.textContent = error.message;
    }
    onButton.disabled = false;
    await showDevice(device);
  });
  device.querySelector("[data-push-off]").addEventListener("click", async () => {
    await unsubscribe(device);
    status.textContent = "Push is off for this device.";
    await showDevice(device);
  });
  showDevice(device);
}

const desktop = document.querySelector("[data-desktop-settings]");
if (desktop) {
  const toggle = desktop.querySelector("[data-desktop-toggle]");
  const sound = desktop.querySelector("[data-sound-toggle]");
  const status = desktop.querySelector("[data-desktop-status]");
  toggle.checked = stored(DESKTOP_KEY) === "on" && desktopAllowed();
  sound.checked = stored(SOUND_KEY) === "on";
  toggle.addEventListener("change", async () => {
    if (toggle.checked) {
      status.textContent = await turnDesktopOn();
      toggle.checked = stored(DESKTOP_KEY) === "on";
    } else {
      store(DESKTOP_KEY, "off");
      store(ASKED_KEY, "yes");
      status.textContent = "Notifications are off for this computer.";
    }
  });
  sound.addEventListener("change", () => {
    store(SOUND_KEY, sound.checked ? "on" : "off");
    if (sound.checked) chime();
  });
}

// After each sign-in, a device the member turned push on for is tied to the
// new session again (the old one's subscription row went with it). Another
// member signing in on this browser gets nothing until they turn push on.
async function resync() {
  if (!member || stored(OWNER_KEY) !== member.split("-")[0] || Notification.permission !== "granted") return;
  const manager = await pushManager();
  const subscription = manager ? await manager.getSubscription() : null;
  if (!subscription || stored(SYNC_KEY) === `${member}|${subscription.endpoint}`) return;
  const answer = await postJSON("/push/subscribe/", subscription.toJSON());
  if (answer.ok) store(SYNC_KEY, `${member}|${subscription.endpoint}`);
}
if ("Notification" in window) resync().catch(() => {});
