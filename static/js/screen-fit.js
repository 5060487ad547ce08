// The room screen always fits its window: nobody scrolls a projector. When a column's content
// is taller than the column, it gives way one step at a time (long texts shortened, the oldest
// items of a list summed up as "and N more") until it fits. Type never gets smaller: what gives
// way is how much is said, never how large.

import { $$, h } from "./dom.js";

// fit-clamp, the first step, cuts long texts to the stylesheet's usual lines: until a column
// overflows, every text is whole.
const FIT_CLASSES = ["fit-clamp", "fit-0", "fit-1", "fit-2", "fit-3", "fit-4", "fit-5", "fit-6"];
const GOALS = "li.node:not(.ref)"; // the chain's goals ("also serves" lines are no goal)
const hiddenInOrder = new WeakMap(); // box → what its steps hid, [list, item, items, noun], in order

const overflows = (box) => box.scrollHeight > box.clientHeight + 1;

/** Undo every earlier step, so that a column fits afresh after each change or resize. */
function reset(box) {
  box.classList.remove(...FIT_CLASSES);
  for (const el of $$("[data-fit-hidden]", box)) {
    el.hidden = false;
    delete el.dataset.fitHidden;
  }
  for (const el of $$(".fit-more", box)) el.remove();
  hiddenInOrder.set(box, []);
}

/** Take `makeSteps()` (each a function that gives way once, false when it can do no more) in
 * turn, each as often as it takes, until `box` fits; then show again what a later step made
 * room for. */
export function fit(box, makeSteps) {
  reset(box);
  for (const step of makeSteps()) {
    while (overflows(box) && step()) {
      // the step gave way once; measure again
    }
    if (!overflows(box)) break;
  }
  giveBack(box);
}

/** Show again what fits now, the last hidden first, then loosen the type where it fits: a
 * list summed up until nothing more could go, then a tighter type, had left half a column
 * empty ("and 10 more goals"). An item inside one still hidden stays hidden. */
function giveBack(box) {
  const hidden = hiddenInOrder.get(box);
  // A list gives back in its own order: once an item does not fit, none after it comes back
  // (a shorter name further down the queue shown in its place would misstate the order). The
  // chain's tree is no such list: any goal that fits comes back, parents before children.
  const stuck = new Set();
  for (let i = hidden.length - 1; i >= 0 && !overflows(box); i -= 1) {
    const [list, item, items, noun] = hidden[i];
    if (stuck.has(list) || item.parentElement.closest("[data-fit-hidden]")) continue;
    item.hidden = false;
    delete item.dataset.fitHidden;
    tell(list, items, noun);
    if (overflows(box)) {
      item.hidden = true;
      item.dataset.fitHidden = "";
      tell(list, items, noun);
      if (!list.classList.contains("tree")) stuck.add(list);
    } else {
      hidden.splice(i, 1);
    }
  }
  for (const name of [...FIT_CLASSES].reverse()) {
    if (!box.classList.contains(name)) continue;
    box.classList.remove(name);
    if (overflows(box)) {
      box.classList.add(name);
      return;
    }
  }
}

/** Whether `box` had to give way at all to fit: a class added or an item summed up. */
export const gaveWay = (box) =>
  FIT_CLASSES.some((name) => box.classList.contains(name)) || Boolean(box.querySelector("[data-fit-hidden]"));

/** Size `line` (one word, such as the join code) as large as the stylesheet allows and its box
 * holds: cut short, a code cannot be typed. */
export function fitLine(line) {
  line.style.fontSize = "";
  let size = parseFloat(getComputedStyle(line).fontSize);
  while (line.scrollWidth > line.clientWidth && size > 1) {
    size = Math.floor((size * line.clientWidth) / line.scrollWidth);
    line.style.fontSize = `${size}px`;
  }
}

/** A step that adds `name` to the box's classes once: the stylesheet says what it shortens. */
export function tighten(box, name) {
  return () => !box.classList.contains(name) && (box.classList.add(name), true);
}

/** Hide `item` (one of the `items` of `list`, a selector) of `box` and count it in the "and N
 * more" line after `list`. */
function sumUp(box, list, item, items, noun) {
  item.hidden = true;
  item.dataset.fitHidden = "";
  hiddenInOrder.get(box).push([list, item, items, noun]);
  tell(list, items, noun);
}

/** The "and N more" line after `list`, counting its hidden items; none when none is. Only
 * when every one of its `items` is hidden does it count them alone ("Next: 6 people"): the chain's
 * tree has one child, the vision, and said "1 goal" under the vision and a user goal. */
function tell(list, items, noun) {
  const n = list.querySelectorAll("[data-fit-hidden]").length;
  let more = list.nextElementSibling;
  if (!more || !more.classList.contains("fit-more")) {
    if (!n) return;
    more = h("p", { class: ["fit-more", "muted"] });
    list.after(more);
  }
  if (!n) {
    more.remove();
    return;
  }
  const what = `${n === 1 ? noun[0] : noun[1]}`;
  const none = $$(items, list).every((item) => item.hidden);
  more.textContent = none ? `${n} ${what}` : `and ${n} more ${what}`;
}

/** A step that hides the last shown item of the longest of `lists` (each [list selector, item
 * selector, [singular, plural]]) while it shows more than `keep`. */
export function trimLongest(box, lists, keep) {
  return () => {
    let longest = null;
    for (const [listSelector, itemSelector, noun] of lists) {
      for (const list of $$(listSelector, box)) {
        const shown = $$(itemSelector, list).filter((item) => !item.hidden);
        if (shown.length > keep && (!longest || shown.length > longest.shown.length)) {
          longest = { list, shown, itemSelector, noun };
        }
      }
    }
    if (!longest) return false;
    const { list, shown, itemSelector, noun } = longest;
    sumUp(box, list, shown[shown.length - 1], itemSelector, noun);
    return true;
  };
}

/** A step that sums up the goal decided longest ago among those shown with no goal shown under
 * them (a mere "also serves" line does not count), so the tree keeps its shape and the path to
 * the newest goal stays. `decisionOrder(id)` is a goal's place among the decisions, 0 the
 * oldest; only goals for which `mayGo(id)` holds are summed up. */
export function pruneChain(box, decisionOrder, mayGo = () => true) {
  return () => {
    const tree = box.querySelector(".tree");
    if (!tree) return false;
    const leaves = $$(`${GOALS}:not(.newest):not(.level-vision)`, tree).filter(
      (node) =>
        !node.hidden && mayGo(node.dataset.goal) && !$$(GOALS, node).some((under) => !under.hidden),
    );
    if (!leaves.length) return false;
    const place = (node) => decisionOrder(node.dataset.goal);
    const oldest = leaves.reduce((a, b) => (place(b) < place(a) ? b : a));
    sumUp(box, tree, oldest, GOALS, ["goal", "goals"]);
    return true;
  };
}
