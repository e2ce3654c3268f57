{% load static %}// The service worker (served at /sw.js by community/push/views.py, never
// cached). It does three things and nothing else:
// - keeps a calm offline page with the crisis lines, shown when a page
//   cannot load (no other page is cached: they hold private conversations);
// - turns a Web Push into a system notification (the server decides what it
//   says: without previews, only the kind of news);
// - opens the notification's page when it is tapped.
const VERSION = "{{ version }}";
const CACHE = `offline-${VERSION}`;
const OFFLINE_URL = "/offline/";
const PRECACHE = {{ precache|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      // Fresh copies, and no cookies: the offline page is the same for everyone.
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload", credentials: "omit" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("offline-") && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && PRECACHE.includes(url.pathname)) {
    event.respondWith(fetch(request).catch(() => caches.match(url.pathname)));
  }
});

function sameSitePath(url) {
  // Only a path on this site: a push can never send the member elsewhere.
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : "/notifications/";
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const title = typeof data.title === "string" && data.title ? data.title : "New notification";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof data.body === "string" ? data.body : "",
      tag: typeof data.tag === "string" ? data.tag : undefined,
      icon: "{% static 'icons/icon-192.png' %}",
      badge: "{% static 'icons/icon-192.png' %}",
      data: { url: sameSitePath(data.url), id: data.id, kind: data.kind },
      requireInteraction: Boolean(data.urgent),
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(sameSitePath(event.notification.data && event.notification.data.url), self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => new URL(client.url).origin === target.origin);
      if (!open) return self.clients.openWindow(target.href);
      return open.focus().then((client) => client.navigate(target.href)).catch(() => self.clients.openWindow(target.href));
    }),
  );
});
