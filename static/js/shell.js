// What the console and the participant view share: the live connection, the offline
// banner, announcements, ticking countdowns, and re-rendering only what changed.

import { announce, inSight, keepInSight, markBusy, setUpLargeType, swap } from "./dom.js";
import { Live } from "./live.js";
import { describe, tickCountdowns } from "./widgets.js";

/** Connect with `token` and call `render(state, live)` (at most once per task) on changes. */
export function startLive({ token, render, onRefused }) {
  setUpLargeType();
  const offline = document.getElementById("offline");
  const conn = document.getElementById("conn");
  let pending = false;
  let wasOnline = null;
  let paused = false;
  const status = (online, why) => {
    // "Offline" only when this device is: with its network fine, the server is the trouble.
    // Connected to a server that lost its message queue, only the live updates are.
    paused = !online && (why === "paused" || (paused && live.socket.connected));
    const device = navigator.onLine;
    offline.textContent = paused
      ? "Live updates paused — the server catches you up when they are back…"
      : device
        ? "Can't reach the server — reconnecting…"
        : "Offline — reconnecting…";
    offline.hidden = online;
    conn.hidden = false;
    conn.textContent = online ? "Live" : paused ? "Paused" : device ? "Reconnecting" : "Offline";
    conn.classList.toggle("off", !online);
    if (wasOnline !== null && wasOnline !== online) {
      announce(online ? "Back online: everything is up to date" : offline.textContent);
    }
    wasOnline = online;
  };
  const deviceChanged = () => {
    if (wasOnline === false) status(false);
  };
  window.addEventListener("online", deviceChanged);
  window.addEventListener("offline", deviceChanged);
  const live = new Live({
    token,
    onState: () => {
      if (pending) return;
      pending = true;
      setTimeout(() => {
        pending = false;
        // The focus in sight stays in sight, however much the page grows above it.
        const focused = document.activeElement;
        const seen = focused && focused !== document.body && inSight(focused);
        render(live.state, live);
        if (seen) keepInSight(document.activeElement);
        tickCountdowns(live);
      }, 0);
    },
    onEvent: (name, data, state) => announce(describe(state, name, data)),
    onStatus: status,
    onRefused: (message, code) => {
      offline.hidden = true;
      conn.hidden = false;
      conn.textContent = "Not connected";
      conn.classList.add("off");
      onRefused(message, code);
    },
  });
  live.start();
  setInterval(() => tickCountdowns(live), 250);
  return live;
}

const rendered = new WeakMap();

/** Rebuild `container` from `build()` only when `key` differs from last time. */
export function update(container, key, build) {
  const text = typeof key === "string" ? key : JSON.stringify(key);
  if (rendered.get(container) === text) return;
  rendered.set(container, text);
  swap(container, build());
}

// The button whose click (or form submit) is being handled now: a command it runs marks it
// as waiting. Set before the page's own handlers, cleared once they have run.
let pressed = null;
const press = (control) => {
  pressed = control;
  setTimeout(() => (pressed = null));
};
document.addEventListener("click", (event) => press(event.target.closest("button")), true);
document.addEventListener("submit", (event) => press(event.submitter || pressed), true);

const WAITING = "Waiting to send…";

/** Mark `control` as waiting for `answer`, saying so while the connection is down. A form
 * that marked its own button busy (its guard against a second press) keeps it so: the
 * button still says it waits, and the form frees it. */
function waitOn(control, live, answer) {
  if (!control || control.textContent === WAITING) return answer;
  const ours = markBusy(control);
  const label = [...control.childNodes];
  if (!(live.socket && live.socket.connected)) control.textContent = WAITING;
  answer.finally(() => {
    if (ours) markBusy(control, false);
    if (control.textContent === WAITING) control.replaceChildren(...label);
  });
  return answer;
}

/** Send a command; the button pressed shows that it waits until the answer. */
export function send(live, name, fields) {
  return waitOn(pressed, live, live.send(name, fields));
}

/**
 * Run a command and show its refusal (as text) in `errorElement`; true when it went through.
 * The button pressed shows that it waits until the answer, so nobody presses it again.
 */
export async function run(live, name, fields, errorElement) {
  const ack = await send(live, name, fields);
  if (errorElement) {
    errorElement.textContent = ack.ok ? "" : ack.error.message;
    errorElement.hidden = ack.ok;
  }
  // A command held while offline may be refused once its form has gone (the page moved on).
  if (!ack.ok && !(errorElement && errorElement.isConnected)) announce(ack.error.message);
  return ack.ok ? ack : null;
}
