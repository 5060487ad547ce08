// Building the page from data. Text always goes in as text nodes: never innerHTML.

function fill(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class")
      node.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "checked" || key === "selected" || key === "disabled" || key === "value")
      node[key] = value;
    else if (key === "key") node.dataset.key = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An HTML element: h("button", {class: "primary", onclick}, "Text"). */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** A plain button that runs `onclick`. */
export function button(text, onclick, attrs = {}) {
  return h("button", { type: "button", onclick, ...attrs }, text);
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/**
 * Replace a container's children, keeping keyboard focus on the element with the same key;
 * when that element is gone (a ballot closed), the focus goes to the panel's heading rather
 * than back to the start of the page.
 */
export function swap(container, ...nodes) {
  const active = document.activeElement;
  const inside = active && active !== container && container.contains(active);
  const key = inside ? active.dataset.key : null;
  container.replaceChildren(
    ...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false),
  );
  if (!inside) return;
  const again = key && [...container.querySelectorAll("[data-key]")].find((el) => el.dataset.key === key);
  if (again) again.focus({ preventScroll: true });
  if (document.activeElement !== again) focusPanel(container);
}

/** Whether `element` lies within the window's height (to the pixel: scrolled into view, an
 * element may end a fraction past it). */
export const inSight = (element) => {
  const box = element.getBoundingClientRect();
  return box.top >= -1 && box.bottom <= window.innerHeight + 1;
};

/** Scroll `element` into view if it is not: a focus out of sight is lost to whoever follows
 * it with their eyes (a line added above pushed "Change my vote" off a phone's screen). */
export function keepInSight(element) {
  if (!inSight(element)) element.scrollIntoView({ block: "nearest" });
}

/** Move the keyboard focus to the heading of the panel holding `element`, in sight. */
export function focusPanel(element) {
  const panel = element.closest("section");
  const heading = panel && panel.querySelector("h1, h2, h3");
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
  keepInSight(heading);
}

/** Enable or disable `control`. A disabled control drops the keyboard's focus to the start of
 * the page: a focused one that goes disabled hands it to its panel's heading. */
export function setDisabled(control, disabled) {
  const focused = disabled && document.activeElement === control;
  control.disabled = disabled;
  if (focused) focusPanel(control);
}

/** Mark `control` busy (pressed, its work under way) or free again; whether it was free. A
 * busy control ignores presses but keeps the keyboard's focus, which `disabled` would drop. */
export function markBusy(control, busy = true) {
  const free = control.getAttribute("aria-disabled") !== "true";
  if (busy) control.setAttribute("aria-disabled", "true");
  else control.removeAttribute("aria-disabled");
  return free;
}

/** Say something to screen readers through the page's aria-live region. */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region || !message) return;
  const line = h("p", { text: message });
  region.append(line);
  while (region.childElementCount > 5) region.firstElementChild.remove();
}

let errorIds = 0;

/** Show an error (or clear it with a falsy message) in an element with role=alert. The field
 * the page then puts the focus in (the one to fix) is marked invalid and described by the
 * error, until it is edited or the error is cleared: a screen reader on the field hears why. */
export function showError(element, message) {
  if (!element) return;
  element.textContent = message ? String(message) : "";
  element.hidden = !message;
  if (!element.id) element.id = `error-${++errorIds}`;
  for (const field of document.querySelectorAll(`[aria-errormessage="${element.id}"]`)) fixed(field);
  if (!message) return;
  setTimeout(() => {
    const field = document.activeElement;
    if (!field || !field.matches("input, select, textarea") || element.hidden) return;
    const described = field.getAttribute("aria-describedby");
    field.dataset.describedBefore = described || "";
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-errormessage", element.id);
    field.setAttribute("aria-describedby", [described, element.id].filter(Boolean).join(" "));
    field.addEventListener("input", () => fixed(field), { once: true });
  });
}

/** The field's error mark taken off, what described it before put back. */
function fixed(field) {
  if (!field.hasAttribute("aria-errormessage")) return;
  field.removeAttribute("aria-invalid");
  field.removeAttribute("aria-errormessage");
  const before = field.dataset.describedBefore;
  if (before) field.setAttribute("aria-describedby", before);
  else field.removeAttribute("aria-describedby");
  delete field.dataset.describedBefore;
}

/**
 * A server's refusal as a sentence on the page: "Ballots are held…", not "ballots are held…".
 * A message that starts with a field's name ("reparent_to: …", "decision.by …") keeps it.
 */
export function sentence(message) {
  const text = String(message || "");
  return /^[a-z]+\b(?![_:.])/.test(text) ? text[0].toUpperCase() + text.slice(1) : text;
}

/** A random id for commands; works on plain http too, where randomUUID is missing. */
export function randomId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function" && window.isSecureContext) {
    return window.crypto.randomUUID();
  }
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** m:ss for a countdown, h:mm:ss from an hour on; negative time shows as 0:00. */
export function clock(seconds) {
  const whole = Math.max(0, Math.ceil(seconds));
  const two = (n) => String(n).padStart(2, "0");
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}:${two(whole % 60)}`;
  return `${Math.floor(minutes / 60)}:${two(minutes % 60)}:${two(whole % 60)}`;
}

/** Copy `text`; where the browser allows no clipboard (plain http), select `element` instead. */
export async function copyText(text, element, what) {
  let message;
  try {
    await navigator.clipboard.writeText(text);
    message = `${what} copied`;
  } catch {
    const fold = element.closest("details");
    if (fold) fold.open = true;
    if (typeof element.select === "function") element.select();
    else window.getSelection().selectAllChildren(element);
    message = `${what} selected: copy it with your keyboard`;
  }
  announce(message);
  return message;
}

/** "1 min 5 s" for airtime. */
/** "1 turn", "3 turns": a count with its noun, as people write it. */
export function counted(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

export function duration(seconds) {
  const whole = Math.round(seconds || 0);
  if (whole < 60) return `${whole} s`;
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** Large type for projectors, remembered per browser. */
export function setUpLargeType() {
  const button = document.getElementById("large-type");
  const apply = (on) => {
    document.documentElement.classList.toggle("large", on);
    if (button) button.setAttribute("aria-pressed", String(on));
  };
  apply(localStorage.getItem("workshop:large") === "1");
  if (button) {
    button.addEventListener("click", () => {
      const on = !document.documentElement.classList.contains("large");
      localStorage.setItem("workshop:large", on ? "1" : "0");
      apply(on);
    });
  }
}
