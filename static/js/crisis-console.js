// The crisis console, live: each `crisis.alert` frame (relayed by site.js from
// /ws/notifications/) swaps in that alert's server-rendered card, moves it to
// the top of the right list, updates the count, and — for a new or urgent
// alert — plays a sound and shows a desktop notification if the moderator
// turned those on. Nothing here needs a reload.
const openList = document.querySelector("[data-open-alerts]");
const followedList = document.querySelector("[data-followed-alerts]");
const openCount = document.querySelector("[data-open-count]");
const openEmpty = document.querySelector("[data-open-empty]");
const liveStatus = document.querySelector("[data-live-status]");
const soundBox = document.querySelector("[data-sound]");
const desktopOffer = document.querySelector("[data-desktop-offer]");
const desktopButton = document.querySelector("[data-desktop]");

const SOUND_KEY = "crisis-console-sound";
soundBox.checked = localStorage.getItem(SOUND_KEY) === "on";
soundBox.addEventListener("change", () => localStorage.setItem(SOUND_KEY, soundBox.checked ? "on" : "off"));

if ("Notification" in window && Notification.permission === "default") desktopOffer.hidden = false;
desktopButton?.addEventListener("click", async () => {
  await Notification.requestPermission();
  desktopOffer.hidden = true;
});

document.addEventListener("community:live", (event) => {
  liveStatus.textContent = event.detail.live
    ? "Live: new alerts appear here at once."
    : "Reconnecting to live alerts… (reload if this stays)";
});

function chime() {
  if (!soundBox.checked) return;
  try {
    const audio = new AudioContext();
    for (const [delay, pitch] of [[0, 880], [0.25, 660]]) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = pitch;
      gain.gain.setValueAtTime(0.2, audio.currentTime + delay);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + delay + 0.22);
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + delay);
      tone.stop(audio.currentTime + delay + 0.25);
    }
  } catch {
    // No audio device: the card and the badge still show the alert.
  }
}

function desktop(alert) {
  if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
  const who = alert.member ? alert.member.display_name : "A member";
  const note = new Notification(alert.urgent ? "A member asked for a moderator" : "Crisis alert", {
    body: `${who}${alert.room ? " in " + alert.room.name : ""}`,
    tag: `crisis-alert-${alert.id}`,
    requireInteraction: true,
  });
  note.onclick = () => { window.focus(); location.hash = `alert-${alert.id}`; };
}

async function refresh(frame) {
  const alert = frame.alert;
  const previous = document.getElementById(`alert-${alert.id}`);
  const wasNew = !previous || (alert.urgent && !previous.classList.contains("urgent"));
  const response = await fetch(`/moderation/crisis/${alert.id}/card/`, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const holder = document.createElement("div");
  holder.innerHTML = await response.text();
  const card = holder.firstElementChild;
  previous?.remove();
  if (alert.status === "open") {
    openList.prepend(card);
    if (wasNew) { chime(); desktop(alert); }
  } else if (alert.status === "acknowledged") {
    followedList.querySelector(".empty")?.remove();
    followedList.prepend(card);
  }
  openCount.textContent = String(frame.open_count);
  openEmpty.hidden = openList.children.length > 0;
}

document.addEventListener("community:crisis-alert", (event) => { refresh(event.detail); });
