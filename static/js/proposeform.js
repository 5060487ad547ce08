// The "propose a goal" form: level, parents from the chain and the proposals, metrics,
// due date, with SMART hints as you type. The form stays put while the session changes.

import { $, $$, announce, h, markBusy, showError } from "./dom.js";
import { send, update } from "./shell.js";
import { IN_FORCE, inForce, LEVELS, PARENT_LEVELS, PHASES, PROPOSING_PHASES } from "./widgets.js";

const NUMBER = /^-?\d+(\.\d+)?$/;
let metricCount = 0;

function metricRow(values = {}) {
  metricCount += 1;
  const n = metricCount;
  const field = (name, label, attrs = {}) => {
    const input = h("input", { id: `m${n}-${name}`, "data-field": name, autocomplete: "off", ...attrs });
    input.value = values[name] ?? "";
    return h("div", { class: `metric-${name}` }, h("label", { for: `m${n}-${name}`, text: label }), input);
  };
  const row = h(
    "div",
    { class: "metric-row" },
    field("name", "Metric", { maxlength: "200", placeholder: "weekly active users" }),
    field("baseline", "Baseline", { maxlength: "40", inputmode: "decimal" }),
    field("target", "Target", { maxlength: "40", inputmode: "decimal" }),
    field("unit", "Unit", { maxlength: "80" }),
    // who reads the KPI: a review lists the metrics that have none
    field("owner", "Owner (who reads it)", { maxlength: "80" }),
  );
  row.append(
    h(
      "button",
      {
        type: "button",
        class: "small remove",
        "aria-label": "Remove this metric",
        onclick: () => {
          row.remove();
          $("#p-add-metric").focus();
        },
      },
      "Remove",
    ),
  );
  return row;
}

/** The features typed, one per line, blank lines left out. */
function readFeatures() {
  return $("#p-features")
    .value.split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

function readMetrics() {
  const metrics = [];
  for (const row of $$("#p-metric-rows .metric-row")) {
    const value = (name) => row.querySelector(`[data-field=${name}]`).value.trim();
    if (!value("name")) continue;
    const metric = { name: value("name") };
    for (const key of ["baseline", "target"]) {
      const text = value(key);
      if (text) metric[key] = NUMBER.test(text) ? Number(text) : text;
    }
    for (const key of ["unit", "owner"]) if (value(key)) metric[key] = value(key);
    metrics.push(metric);
  }
  return metrics;
}

/** What SMART asks of a goal at `level`, as advice (never a refusal). */
function hints(level, metrics, due, parents) {
  if (level === "vision") return ["A vision may be a stretch goal: no metric needed."];
  const tips = [];
  if (!metrics.length) tips.push("No metric: how will you know it worked?");
  for (const m of metrics) if (m.target === undefined) tips.push(`Metric “${m.name}” has no target.`);
  if (!due) tips.push("No due date or timeframe (e.g. 2027-06-30 or 2027-Q2).");
  if (level === "product" && !parents.length)
    tips.push("A product goal needs a user or business goal it serves before a vote.");
  if (level === "sprint" && parents.length !== 1) tips.push("A sprint goal serves exactly one product goal.");
  return tips;
}

// The goals a review may change, by change (the server's rule): one in force; achieved once.
const CHANGEABLE = { amend: IN_FORCE, achieve: ["accepted"], retire: IN_FORCE };

/** The goals of the chain `change` may aim at: the vision is amended only, never done with. */
function targets(chain, change) {
  const vision = chain.vision && change === "amend" ? [[chain.vision.id, chain.vision.statement]] : [];
  const allowed = CHANGEABLE[change] || IN_FORCE;
  const goals = (chain.goals || []).filter((g) => allowed.includes(g.status || "accepted"));
  return [...vision, ...goals.map((g) => [g.id, g.title])];
}

/** Parent candidates for `level`: chain goals in force and live proposals one level up. */
function candidates(state, level) {
  const wanted = PARENT_LEVELS[level] || [];
  const chain = state.chain || {};
  const found = [];
  if (wanted.includes("vision") && chain.vision)
    found.push([chain.vision.id, chain.vision.statement, "vision"]);
  for (const goal of chain.goals || []) {
    // Only a goal in force: one the file holds as only proposed can be agreed in no session
    // (only goals in force are amended); offered, it stranded the goal proposed to serve it.
    if (wanted.includes(goal.level) && inForce(goal)) {
      found.push([goal.id, goal.title, LEVELS[goal.level]]);
    }
  }
  for (const p of state.proposals) {
    if (wanted.includes(p.level) && p.status === "proposed" && !p.hidden_text)
      found.push([p.id, p.title, `proposed ${LEVELS[p.level].toLowerCase()}`]);
  }
  return found;
}

// The kind of workshop whose chain file brings goals of each level to a later one.
const AGREED_IN = { user: "strategizing", business: "strategizing", product: "roadmapping" };

/**
 * Why there is no goal to serve, and how to get one: proposed here first, or, for a level
 * this kind does not propose (a sprint goal's product goals), from a chain file imported
 * when the session is created; without it the proposal could never go to a vote.
 */
function noParentsNote(state, level) {
  if (["user", "business"].includes(level))
    return "Nothing to pick yet: the goal will serve the vision once it is accepted.";
  const wanted = PARENT_LEVELS[level] || [];
  if (!wanted.length) return "A vision serves no other goal."; // its parents are not asked
  const names = wanted.map((x) => LEVELS[x].toLowerCase()).join(" or ");
  if (wanted.some((x) => state.session.levels.includes(x)))
    return `No ${names} yet: propose one first. This goal can go to a vote once the goal it serves is accepted.`;
  const chain = state.chain || {};
  const started = chain.vision || (chain.goals || []).length;
  const kinds = wanted.map((x) => LEVELS[x].replace(/ goal$/, "").toLowerCase()).join(" and ");
  const plural = `${kinds[0].toUpperCase()}${kinds.slice(1)} goals`; // "User and business goals"
  const why = started ? "the goal chain this session started from has none accepted" : "this session did not start from a goal chain";
  return (
    `No ${names} to serve: ${why}. ${plural} come from the chain file a ${AGREED_IN[wanted[0]]} workshop ` +
    "saved; the facilitator chooses it when creating the session (home page, “Start from a goal chain file”)."
  );
}

export function proposalForm(live) {
  const form = $("#propose-form");
  const level = $("#p-level");
  const change = $("#p-change");
  const target = $("#p-target");
  const error = $("#propose-error");
  let state = null;
  let editing = null; // the proposal being amended, or null for a new one

  const chosenParents = () => $$("#p-parent-list input:checked").map((input) => input.value);
  /** The chain goal an amendment starts from (the vision's statement as its title). */
  const targetGoal = () => {
    const chain = state.chain || {};
    const { vision } = chain;
    if (vision && vision.id === target.value) return { ...vision, level: "vision", title: vision.statement };
    return (chain.goals || []).find((goal) => goal.id === target.value) || null;
  };
  /** The level of the goal proposed: an amendment's is its target's. */
  const levelShown = () => (change.value === "amend" ? (targetGoal() || {}).level : level.value);
  const showHints = () => {
    const tips = hints(levelShown(), readMetrics(), $("#p-due").value.trim(), chosenParents());
    update($("#p-hints"), tips, () => tips.map((tip) => h("li", { text: tip })));
  };
  const renderParents = () => {
    if (!state) return;
    const kept = new Set(chosenParents());
    const shown = levelShown();
    const found = ["new", "amend"].includes(change.value) ? candidates(state, shown) : [];
    $("#p-parents").hidden = shown === "vision" || !["new", "amend"].includes(change.value);
    // A product goal is a roadmap entry: its main features (the GO roadmap's).
    $("#p-features-row").hidden = shown !== "product" || !["new", "amend"].includes(change.value);
    update($("#p-parent-list"), [shown, found], () => {
      if (!found.length) return h("p", { class: "muted", text: noParentsNote(state, shown) });
      return found.map(([id, title, what]) =>
        h(
          "label",
          { class: "choice" },
          h("input", {
            type: "checkbox",
            value: id,
            checked: kept.has(id),
            key: `parent-${id}`,
            onchange: showHints,
          }),
          // One run of text: a tag of its own beside the title was squeezed into a column.
          h("span", {}, title, h("small", { class: "muted", text: ` · ${what}` })),
        ),
      );
    });
    showHints();
  };

  $("#p-add-metric").addEventListener("click", () => {
    const row = metricRow();
    $("#p-metric-rows").append(row);
    row.querySelector("input").focus();
    showHints();
  });
  form.addEventListener("input", showHints);
  level.addEventListener("change", renderParents);
  change.addEventListener("change", () => {
    renderTargets();
    $("#target-row").hidden = change.value === "new";
    $("#level-row").hidden = change.value !== "new";
    if (change.value === "amend") startFromTarget();
    else if (amending) clearFields(); // what was the goal's is no new goal's
    renderParents();
  });
  target.addEventListener("change", () => {
    if (change.value === "amend") startFromTarget();
    renderParents();
  });

  let amending = null; // the chain goal an amendment starts from, as it was prefilled

  /** Prefill the form with the goal to amend: the fields left as they are stay the goal's. */
  const startFromTarget = () => {
    const goal = targetGoal();
    amending = goal;
    if (!goal) return clearFields();
    $("#p-title").value = goal.title || "";
    $("#p-description").value = goal.description || "";
    $("#p-due").value = goal.due || "";
    $("#p-owner").value = goal.owner || "";
    $("#p-features").value = (goal.features || []).join("\n");
    $("#p-metric-rows").replaceChildren(...(goal.metrics || []).map((m) => metricRow(m)));
    renderParents();
    const served = new Set(goal.parents || []);
    $$("#p-parent-list input").forEach((input) => (input.checked = served.has(input.value)));
    showHints();
  };

  const clearFields = () => {
    for (const id of ["#p-title", "#p-description", "#p-due", "#p-owner", "#p-features"]) $(id).value = "";
    $("#p-metric-rows").replaceChildren();
    $$("#p-parent-list input:checked").forEach((input) => (input.checked = false));
    amending = null;
  };

  /** An amendment's fields: the title, and each other field the person changed. */
  const amendedFields = (fields) => {
    const goal = amending || {};
    const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    const asShown = (metrics) =>
      (metrics || []).map(({ name, baseline, target: aim, unit, owner }) => ({ name, baseline, target: aim, unit, owner }));
    const changed = { change: "amend", target: target.value, title: fields.title };
    for (const name of ["description", "due", "owner"]) {
      if (!same(fields[name], goal[name])) changed[name] = fields[name] ?? null;
    }
    if (!same(asShown(fields.metrics), asShown(goal.metrics))) changed.metrics = fields.metrics;
    if (goal.level === "product" && !same(fields.features, goal.features || [])) changed.features = fields.features;
    if (goal.level !== "vision" && !same([...fields.parents].sort(), [...(goal.parents || [])].sort())) {
      changed.parents = fields.parents;
    }
    return changed;
  };

  const clear = () => {
    clearFields();
    editing = null;
    level.disabled = false;
    $("#propose-h").textContent = "Propose a goal";
    $("#p-submit").textContent = "Propose";
    $("#p-cancel").hidden = true;
    if (state) render(state);
    showHints();
  };

  /** Parents as the form offers them: an accepted proposal is offered as its goal. */
  const parentGoals = (ids) =>
    ids.map((id) => {
      const proposal = state.proposals.find((p) => p.id === id);
      return proposal && proposal.status === "accepted" && proposal.goal_id ? proposal.goal_id : id;
    });

  /** Load one of my proposals into the form to amend it. */
  const edit = (proposal) => {
    clear();
    editing = proposal;
    change.value = "new";
    $("#target-row").hidden = true;
    $("#level-row").hidden = false;
    level.value = proposal.level;
    level.disabled = true;
    $("#p-title").value = proposal.title || "";
    $("#p-description").value = proposal.description || "";
    $("#p-due").value = proposal.due || "";
    $("#p-owner").value = proposal.owner || "";
    $("#p-features").value = (proposal.features || []).join("\n");
    $("#p-metric-rows").replaceChildren(...(proposal.metrics || []).map((m) => metricRow(m)));
    $("#propose-h").textContent = `Amend “${proposal.title}”`;
    $("#p-submit").textContent = "Save the amendment";
    $("#p-cancel").hidden = false;
    render(state);
    const wanted = new Set(parentGoals(proposal.parents || []));
    $$("#p-parent-list input").forEach((input) => (input.checked = wanted.has(input.value)));
    showHints();
    $("#propose").scrollIntoView({ block: "start" });
    $("#p-title").focus();
  };

  /** Only what the amendment changes: the server keeps the earlier text as a revision. */
  const amendment = () => {
    const text = (id) => $(id).value.trim() || null;
    const now = {
      title: text("#p-title"),
      description: text("#p-description"),
      parents: chosenParents(),
      metrics: readMetrics(),
      due: text("#p-due"),
      owner: text("#p-owner"),
    };
    if (editing.level === "product") now.features = readFeatures();
    const before = { ...editing, parents: parentGoals(editing.parents || []) };
    const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    const fields = { proposal_id: editing.id };
    if (editing.change !== "new") delete now.parents; // a change keeps the goal's own parents
    for (const [name, value] of Object.entries(now)) {
      if (
        name === "parents" ? !same([...value].sort(), [...before.parents].sort()) : !same(value, before[name])
      ) {
        fields[name] = value;
      }
    }
    return fields;
  };

  $("#p-cancel").addEventListener("click", () => {
    clear();
    announce("Amendment cancelled");
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(error, "");
    if (editing) {
      const fields = amendment();
      if (Object.keys(fields).length === 1) return showError(error, "Nothing has changed yet.");
      const ack = await send(live, "edit_proposal", fields);
      if (!ack.ok) return showError(error, ack.error.message);
      const title = editing.title;
      clear();
      announce(`Your amendment to “${title}” is saved`);
      return;
    }
    const title = $("#p-title").value.trim();
    const kind = change.value;
    if (!title && kind !== "achieve" && kind !== "retire") {
      $("#p-title").focus();
      return showError(error, "Give the goal a title.");
    }
    let fields = { level: level.value, parents: chosenParents(), metrics: readMetrics() };
    if (levelShown() === "product") fields.features = readFeatures();
    if (title) fields.title = title;
    for (const [id, name] of [
      ["#p-description", "description"],
      ["#p-due", "due"],
      ["#p-owner", "owner"],
    ]) {
      const value = $(id).value.trim();
      if (value) fields[name] = value;
    }
    if (kind === "amend") {
      fields = amendedFields(fields);
    } else if (kind !== "new") {
      fields.change = kind;
      fields.target = target.value;
      delete fields.level;
    }
    const button = form.querySelector("button[type=submit]");
    if (!markBusy(button)) return;
    const ack = await send(live, "propose_goal", fields);
    markBusy(button, false);
    if (!ack.ok) return showError(error, ack.error.message);
    change.value = "new";
    change.dispatchEvent(new Event("change"));
    clear();
    announce(`Your proposal “${title || kind}” is in`);
    $("#p-title").focus();
  });

  function render(next) {
    state = next;
    const { session, me } = next;
    $("#propose").hidden = !me.can_propose;
    if (!me.can_propose) return;
    const openBallot = next.ballots.some((b) => b.status === "open" && !b.remote);
    const allowed = PROPOSING_PHASES.includes(session.phase) && !openBallot && !session.closed;
    const closed = $("#propose-closed");
    closed.hidden = allowed || !!editing;
    closed.textContent = openBallot
      ? "No new proposals while a ballot is open."
      : `Proposals are taken from the propose phase on (now: ${PHASES[session.phase] || session.phase}).`;
    form.hidden = !allowed && !editing; // what was typed stays for when proposals reopen
    $("#change-row").hidden = session.kind !== "review" || !!editing;
    const chosen = level.value;
    update(level, session.levels, () =>
      session.levels.map((l) => h("option", { value: l, text: LEVELS[l] || l })),
    );
    if (session.levels.includes(chosen)) level.value = chosen;
    renderTargets();
    renderParents();
  }

  /** The goals this change may aim at, the one chosen kept while it still may be. */
  function renderTargets() {
    const goals = state ? targets(state.chain || {}, change.value) : [];
    const aimed = target.value;
    update(target, goals, () => goals.map(([id, title]) => h("option", { value: id, text: title })));
    if (goals.some(([id]) => id === aimed)) target.value = aimed;
  }

  return { render, edit };
}
