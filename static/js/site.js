// Every page: the live notification badge and toasts over /ws/notifications/.
const badge = document.querySelector("[data-unread]");

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

function bump() {
  if (!badge) return;
  const hidden = badge.querySelector(".visually-hidden");
  const count = (parseInt(badge.dataset.count || badge.textContent.replace(/\D/g, "") || "0", 10) || 0) + 1;
  badge.dataset.count = String(count);
  badge.textContent = "";
  if (hidden) badge.append(hidden);
  badge.append(String(count));
  badge.hidden = false;
}

function connect(attempt = 0) {
  if (!badge) return; // not signed in
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/notifications/`);
  socket.addEventListener("open", () => { attempt = 0; });
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "notification") {
      bump();
      toast(frame.notification.text, frame.notification.url);
      document.dispatchEvent(new CustomEvent("community:notification", { detail: frame.notification }));
    }
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401 || event.code === 4403) return;
    const delay = Math.min(30000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    setTimeout(() => connect(attempt + 1), delay);
  });
}

connect();
export { toast };
