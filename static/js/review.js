// Review sessions: what changed in the chain against its input, and KPI readings.

import { $, h, showError } from "./dom.js";
import { plainDay } from "./localtime.js";
import { run, update } from "./shell.js";
import { chainTree, goalTitle } from "./widgets.js";

/** The chain tree, the review report and the KPI form, as both pages show them. */
export function chainPanel(live) {
  const kpi = kpiPanel($("#kpi"), live);
  let knownGoals = null; // the goals drawn last time: a new one is highlighted
  return {
    render(state) {
      update($("#review-body"), [state.review || null, state.chain], () => reviewReport(state));
      kpi.render(state);
      update($("#chain-body"), [state.chain], () => chainTree(state, knownGoals));
      const chain = state.chain || {};
      knownGoals = new Set([...(chain.goals || []).map((g) => g.id), ...(chain.vision ? [chain.vision.id] : [])]);
    },
  };
}

const FIELDS = { parents: "what it serves", due: "due date" }; // a changed field in words

export const UNOWNED = "KPIs without an owner";

export const READINGS = "KPI readings";

export const LOST = "Lost their parent";

/** The review report (state.review) as [label, items] rows: what changed, what is loose.
 * Each item is a list of parts, `title(id)` naming a goal ("“Coach beta”" by default): the
 * room screen shortens a long title on its own and keeps what the finding says of it. */
export function reviewRows(state, title = (id) => `“${goalTitle(state, id)}”`) {
  const report = state.review;
  if (!report) return [];
  const fields = (c) => c.fields.map((f) => FIELDS[f] || f).join(", ");
  return [
    ["Added", report.added.map((id) => [title(id)])],
    ["Changed", report.changed.map((c) => [title(c.goal_id), ` (${fields(c)})`])],
    ["Achieved", report.achieved.map((id) => [title(id)])],
    ["Retired", report.retired.map((id) => [title(id)])],
    [READINGS, report.kpi_readings.map((r) => [title(r.goal_id), `: ${r.metric} ${r.value} on ${plainDay(r.at)}`])],
    // Loose ends last: on the room screen they are the first to give way.
    [LOST, report.lost_parent.map((l) => [title(l.goal_id), " (it served ", title(l.parent), ")"])],
    [UNOWNED, report.kpis_without_owner.map((k) => [title(k.goal_id), `: ${k.metric}`])],
  ];
}

/** `items` grouped by `key(item)`, each group in the order its first item came. */
function groupedBy(items, key) {
  const groups = new Map();
  for (const item of items) {
    const k = key(item);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(item);
  }
  return [...groups.values()];
}

/** The review's KPI readings as items of `reviewRows`, one per goal and metric: its values in
 * turn and the day of the last ("“Coach”: weekly active users 3100 → 3300 on 30 June 2026"),
 * the room screen's shorter form, where a goal read each month took a line per reading. */
export function readingsPerKpi(state, title) {
  const readings = state.review ? state.review.kpi_readings : [];
  return groupedBy(readings, (r) => JSON.stringify([r.goal_id, r.metric])).map((kpi) => {
    const last = kpi.reduce((a, b) => (b.at >= a.at ? b : a));
    const values = kpi.map((r) => r.value).join(" → ");
    return [title(kpi[0].goal_id), `: ${kpi[0].metric} ${values} on ${plainDay(last.at)}`];
  });
}

/** The goals that lost a parent as items of `reviewRows`, one per parent, the goals that
 * served it together ("“Coach”, “Premium” (they served “Revenue”)"): the room screen's
 * shorter form, where a retired goal's title came again for each goal that served it. */
export function lostPerParent(state, title) {
  const lost = state.review ? state.review.lost_parent : [];
  return groupedBy(lost, (l) => l.parent).map((served) => [
    ...served.flatMap((l, i) => (i ? [", ", title(l.goal_id)] : [title(l.goal_id)])),
    served.length > 1 ? " (they served " : " (it served ",
    title(served[0].parent),
    ")",
  ]);
}

/** The review report as the console and the participants' pages show it, "none" included. */
export function reviewReport(state) {
  const rows = reviewRows(state);
  if (!rows.length) return null;
  return h(
    "div",
    { class: "review-report" },
    h("h3", { text: "Changes against the input chain" }),
    h(
      "dl",
      { class: "facts" },
      rows.map(([label, items]) => [
        h("dt", { text: label }),
        h("dd", { text: items.length ? items.map((parts) => parts.join("")).join("; ") : "none" }),
      ]),
    ),
  );
}

/** A form to record a KPI reading against a metric of a chain goal. */
export function kpiPanel(container, live) {
  const goal = h("select", { id: "kpi-goal" });
  const metric = h("select", { id: "kpi-metric" });
  const value = h("input", { id: "kpi-value", type: "number", step: "any", inputmode: "decimal" });
  const day = h("input", { id: "kpi-date", type: "date" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  let goals = [];
  const fillMetrics = () => {
    const chosen = goals.find((g) => g.id === goal.value);
    const names = chosen ? chosen.metrics.map((m) => m.name) : [];
    update(metric, names, () => names.map((name) => h("option", { value: name, text: name })));
  };
  goal.addEventListener("change", fillMetrics);
  const form = h(
    "form",
    { class: "kpi-form", novalidate: true },
    h(
      "div",
      { class: "row2" },
      h("div", {}, h("label", { for: "kpi-goal", text: "Goal" }), goal),
      h("div", {}, h("label", { for: "kpi-metric", text: "Metric" }), metric),
    ),
    h(
      "div",
      { class: "row2" },
      h("div", {}, h("label", { for: "kpi-value", text: "Value" }), value),
      h("div", {}, h("label", { for: "kpi-date", text: "Date (default today)" }), day),
    ),
    error,
    h("button", { type: "submit" }, "Record reading"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (value.value.trim() === "" || Number.isNaN(Number(value.value)))
      return showError(error, "Type the value as a number.");
    const fields = { goal_id: goal.value, metric: metric.value, value: Number(value.value) };
    if (day.value) fields.date = day.value;
    if (await run(live, "record_kpi", fields, error)) value.value = "";
  });
  const panel = h("details", { class: "kpi-panel" }, h("summary", { text: "Record a KPI reading" }), form);
  container.append(panel);
  let opened = false;
  return {
    render(state) {
      goals = (state.chain.goals || []).filter(
        (g) => g.metrics && g.metrics.length && !["rejected", "retired"].includes(g.status),
      );
      const { kind } = state.session;
      const role = state.me.role;
      const allowed = role !== "observer" && (kind === "review" || ["facilitator", "product"].includes(role));
      panel.hidden = !allowed || !goals.length;
      if (!opened && kind === "review") panel.open = opened = true; // a review is about readings
      const chosen = goal.value;
      const options = goals.map((g) => [g.id, g.title]);
      update(goal, options, () =>
        options.map(([id, title]) => h("option", { value: id, text: title })),
      );
      if (options.some(([id]) => id === chosen)) goal.value = chosen;
      fillMetrics();
    },
  };
}
