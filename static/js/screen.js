// The room screen: what the whole room may see, large, for a projector. It holds a
// read-only token (the server sends it the room's view and refuses its commands) and has
// no controls: it follows the session through the live client.

import { getJSON, sessionPath } from "./api.js";
import { resultChart, verdictLine } from "./charts.js";
import { $, h } from "./dom.js";
import { fit, fitLine, gaveWay, pruneChain, tighten, trimLongest } from "./screen-fit.js";
import { LOST, lostPerParent, READINGS, readingsPerKpi, reviewRows, UNOWNED } from "./review.js";
import { startLive, update } from "./shell.js";
import {
  awayMark,
  ballotsNewestFirst,
  chainTree,
  countdown,
  goalTitle,
  inForce,
  PHASE_TIPS,
  PHASES,
  personName,
  RULES,
  stageBox,
  tickCountdowns,
  turnoutText,
  votedTitle,
} from "./widgets.js";

const workshopId = document.body.dataset.workshopId;
const storageKey = `workshop:${workshopId}:screen`;
// Who is next on the floor: named as room allows, the rest counted ("and 3 more people").
const NEXT = [["#next", "li", ["person", "people"]]];
const CHAIN_PHASES = ["review_chain", "close"]; // the chain is what the room looks at
let invite = null; // {join_code, join}: the room may see both
let knownGoals = null; // chain ids already shown, to mark the goals just accepted
let decisionOrder = new Map(); // goal id → its place among the chain's decisions, 0 the oldest
// In sprint planning, the product goals in force: what its sprint goal can serve, summed up
// only once every other goal has been and every detail has given way (the room saw one of two
// beside their user and business goals).
let servable = new Set();
// What a review changed: its goals keep their titles whole beside its findings and are summed
// up last with sprint planning's product goals ("Launch the premium plan in…" beside
// "Changed: “Launch the premium plan in three markets…” (title)").
let changed = new Set();
// Lists of the stage that give way, longest first, when it does not fit: [list, item, noun].
const REASONS = [[".objections", "li", ["objection or concern", "objections and concerns"]]];
const GROUPS = [[".groups", "li", ["group", "groups"]]]; // whole while anything else can give
const FINDINGS = [[".review-group", ".finding", ["finding", "findings"]]];
const STAGE_LISTS = [
  ...REASONS,
  [".ranked-result", "li", ["proposal", "proposals"]],
  [".options", "li", ["proposal", "proposals"]],
  [".rule-dot .bars", ".bar-row", ["proposal", "proposals"]],
  [".remote-lines", "li", ["remote ballot", "remote ballots"]],
];

/** The token from the link's fragment, kept for reloads and taken out of the address bar. */
function screenToken() {
  const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (token) {
    sessionStorage.setItem(storageKey, token);
    window.history.replaceState(null, "", window.location.pathname);
  }
  return sessionStorage.getItem(storageKey);
}

/** Whether the people in the room vote in a ballot: every ballot of the room, and a remote
 * one sent to the room too ("The people in the room vote too"). */
function roomVotes(state, ballot) {
  const inRoom = (id) => state.participants.some((p) => p.id === id && !p.remote);
  return !ballot.remote || ballot.electorate.some(inRoom);
}

/** The ballot to show: of those the room votes in, still open or revealed since the phase
 * began, the one that changed last (opened, closed or revealed). A result gives way to a
 * running 1-2-4-All: what the room does now comes first. */
function ballotOnStage(state) {
  const phaseSince = phaseBegan(state);
  const running = structureRunning(state);
  const changed = (b) => Math.max(b.opened_at, b.closed_at || 0, b.revealed_at || 0);
  const shown = ballotsNewestFirst(state)
    .filter((b) => roomVotes(state, b))
    .filter((b) => (b.status === "revealed" ? !running && b.revealed_at >= phaseSince : true));
  return shown.reduce((last, b) => (!last || changed(b) > changed(last) ? b : last), null);
}

/** Whether the chain takes the stage: while the room reviews it and once the workshop
 * closes, when no ballot or 1-2-4-All has it. In the side column it was cut to a few words
 * per goal beside a stage holding one sentence. */
function chainOnStage(state) {
  const { session } = state;
  const reviewing = session.closed || CHAIN_PHASES.includes(session.phase);
  return reviewing && !ballotOnStage(state) && !structureRunning(state);
}

/** When the phase the room is in began. */
function phaseBegan(state) {
  const log = state.session.phase_log || [];
  return log.length ? log[log.length - 1].at : 0;
}

/** A 1-2-4-All the room is doing; closing the workshop ends it on the screen. */
function structureRunning(state) {
  return state.floor.structure && !state.session.closed ? state.floor.structure : null;
}

/** The running 1-2-4-All's stage, countdown and groups (none while alone, or all together). */
function structureBox(state) {
  const structure = structureRunning(state);
  if (!structure) return null;
  return stageBox(structure, (groups) =>
    groups.length > 1 && groups.some((group) => group.length > 1)
      ? h(
          "ol",
          { class: "groups", "aria-label": "Groups" },
          // Numbered, each whole, so that everyone finds their group and the facilitator can
          // send "group 3" to a corner.
          groups.map((group, index) =>
            h(
              "li",
              {},
              h("span", { class: "group-number", text: `${index + 1}.` }),
              ` ${group.map((id) => personName(state, id)).join(", ")}`,
            ),
          ),
        )
      : null,
  );
}

/** The proposal voted on; for a choice between several, the question and (before the
 * reveal, when the chart does not list them yet) the options. */
function question(state, ballot) {
  const titles = ballot.options.map((id) => votedTitle(state, ballot, id));
  if (titles.length === 1) return h("p", { class: "question", text: titles[0] });
  // A runoff says so: the room votes again on the options that tied, not on a new question.
  const asked = ballot.runoff_of ? "Runoff of the tie: which comes first?" : "Which proposals come first?";
  return [
    h("p", { class: "question", text: asked }),
    ballot.status === "revealed"
      ? null
      : h(
          "ul",
          { class: "options" },
          titles.map((title) => h("li", { text: title })),
        ),
  ];
}

function ballotStage(state, ballot) {
  if (ballot.status === "revealed") {
    return {
      heading: `Result: ${RULES[ballot.rule] || ballot.rule}`,
      body: [question(state, ballot), resultChart(state, ballot), structureBox(state)],
    };
  }
  const open = ballot.status === "open";
  return {
    heading: open ? "Vote now" : "Voting has closed",
    body: [
      question(state, ballot),
      h("p", { class: "rule-sentence", text: ballot.rule_sentence }),
      h("p", { class: "screen-turnout", id: "turnout", text: turnoutText(ballot) }),
      h("p", {
        class: ["muted", "screen-hint"],
        text: open
          ? "Votes stay secret until the reveal."
          : "The facilitator reveals every vote at once.",
      }),
      open && ballot.deadline ? h("p", {}, "Closes in ", countdown(ballot.deadline, "time left to vote")) : null,
      structureBox(state),
    ],
  };
}

function joinStage(state) {
  // Who joined, not who is connected: the room's view hears of joins, not of connections.
  const joined = state.participants.filter((p) => !p.remote && p.role !== "facilitator").length;
  return {
    heading: "Join the workshop",
    body: invite
      ? h(
          "div",
          { class: "join-stage" },
          h("img", {
            class: "screen-qr",
            src: `${sessionPath(workshopId, "qr.svg")}?code=${encodeURIComponent(invite.join_code)}`,
            alt: "QR code of the join link",
            width: "420",
            height: "420",
          }),
          h(
            "div",
            { class: "join-text" },
            h("p", { text: "Scan the code, or open" }),
            h("p", { class: "join-address", text: window.location.host }),
            h("p", { text: "and enter the code" }),
            h("p", { class: "screen-code", id: "screen-code", text: invite.join_code }),
            h("p", { class: "muted", text: joined === 1 ? "1 person has joined" : `${joined} people have joined` }),
          ),
        )
      : h("p", { class: "muted", text: "Loading the join code…" }),
  };
}

// What to do in each stage of a 1-2-4-All, said to the whole room.
const STAGE_TIPS = {
  alone: "Think alone, in silence: note your own ideas.",
  pairs: "In pairs: share your ideas and build on them together.",
  foursomes: "In fours: compare the pairs' ideas and pick the strongest.",
  all: "All together: each group shares its one best idea.",
};

function nowStage(state, findings) {
  const phase = state.session.phase;
  const structure = structureRunning(state);
  const stage = structure && structure.plan[structure.stage].name;
  // Beside the chain, a review's findings say what the room looks at better than a tip.
  const tip = findings && chainOnStage(state) ? "" : (stage && STAGE_TIPS[stage]) || PHASE_TIPS[phase];
  return {
    heading: PHASES[phase] || phase,
    body: [tip ? h("p", { class: "tip", text: tip }) : null, structureBox(state)],
  };
}

/** A review's changes against its input chain and the KPI readings it recorded, as they
 * come: what the review produces, for the whole room (the chain alone shows no reading).
 * KPIs without an owner stay on the console: the input's loose ends, not the room's work.
 * Grouped by kind, one after the other ("Achieved: “A”; “B”"), the readings of each KPI
 * together, the goals that lost a parent under that parent, each title whole: a line of its
 * own for each finding showed four of thirteen, and titles cut to half a line ("“Launch the
 * premiu…") did not say which goal a finding was about. */
function reviewLines(state) {
  const title = (id) => h("span", { class: "finding-title", text: `“${goalTitle(state, id)}”` });
  const rows = reviewRows(state, title).filter(([label, items]) => items.length && label !== UNOWNED);
  if (!rows.length) return null;
  return h(
    "div",
    { class: "review-lines" },
    rows.map(([label, items]) =>
      h(
        "p",
        { class: "review-group" },
        h("strong", { text: `${label}: ` }),
        (SHORTER[label] ? SHORTER[label](state, title) : items).map((parts) =>
          h("span", { class: "finding" }, parts),
        ),
      ),
    ),
  );
}

// The room screen's shorter form of a kind of findings.
const SHORTER = { [READINGS]: readingsPerKpi, [LOST]: lostPerParent };

/** Each ballot only remote people vote in, under whatever the room does now: while open its
 * turnout, how many have voted and never how (PRODUCT §5); revealed in this phase, its
 * verdict. */
function remoteLines(state) {
  const since = phaseBegan(state);
  return state.ballots
    .filter((b) => !roomVotes(state, b))
    .filter((b) => b.status === "open" || (b.status === "revealed" && b.result && b.revealed_at >= since))
    .map((b) => {
      const titles = b.options.map((id) => `“${votedTitle(state, b, id)}”`).join(", ");
      return `Remote vote on ${titles}: ${b.status === "open" ? turnoutText(b) : verdictLine(state, b)}`;
    });
}

function renderStage(state) {
  const ballot = ballotOnStage(state);
  const first = state.session.phase === state.session.agenda[0];
  const remote = remoteLines(state);
  // A review's findings, under whatever the stage holds: the goal a ballot has just marked
  // achieved said so only once the room reviewed the chain.
  const findings = reviewLines(state);
  const now = nowStage(state, findings);
  let stage = now;
  if (ballot) stage = ballotStage(state, ballot);
  else if (first && !structureRunning(state)) stage = joinStage(state); // the code stays on top
  // A stage with one sentence on it gives the chain the wide column and the floor its foot
  // (as the chain on stage has them): beside it the chain cut sprint planning's product goals
  // to a word ("Product: Acquire…"), half the screen empty.
  const tipOnly = stage === now && !findings && now.body.every((part) => !part || part.classList.contains("tip"));
  document.body.classList.toggle("light-stage", tipOnly && !remote.length && !chainOnStage(state));
  const names = state.participants.map((p) => [p.id, p.name]);
  update(
    $("#stage"),
    [stage.heading, ballot, state.proposals.map((p) => p.title), names, structureRunning(state), invite, remote, state.review],
    () => [
      h("h2", { id: "stage-h", text: stage.heading }),
      h("div", { id: "stage-body" }, stage.body, findings),
      remote.length
        ? h("ul", { class: "remote-lines" }, remote.map((text) => h("li", { class: "remote-turnout", text })))
        : null,
    ],
  );
}

/** A server sentence with proposals named by title ("consent round on pr1"). */
function withTitles(state, text) {
  return text.replace(/\bpr\d+\b/g, (id) => goalTitle(state, id));
}

/** Who speaks after the holder, in the order they will be served (the server's `up_next`:
 * a holder who has not answered the round yet is in it), then those passed over while away. */
function nextUp(floor) {
  const holder = floor.holder && floor.holder.participant_id;
  const away = (floor.away || []).filter((id) => id !== holder);
  return [...(floor.up_next || []), ...away];
}

function renderFloor(state) {
  const { floor } = state;
  const names = state.participants.map((p) => [p.id, p.name]);
  $("#floor").classList.toggle("idle", !floor.holder && !floor.round && !nextUp(floor).length);
  update($("#floor-body"), [floor.holder, floor.queue, floor.round, floor.up_next, floor.away, names], () => {
    const holder = floor.holder;
    const next = nextUp(floor);
    return [
      holder
        ? h(
            "p",
            { class: "holder", id: "holder" },
            h("strong", { text: personName(state, holder.participant_id) + awayMark(floor, holder.participant_id) }),
            " ",
            countdown(holder.deadline, "time left in this turn"),
          )
        : h("p", { class: "muted", id: "holder", text: "Nobody has the floor." }),
      floor.round
        ? h("p", {
            class: ["muted", "round-purpose"],
            text: `Round-robin${floor.round.purpose ? `: ${withTitles(state, floor.round.purpose)}` : ""}`,
          })
        : null,
      next.length
        ? h(
            "div",
            { class: "next-up" },
            h("h3", { text: "Next" }),
            h(
              "ol",
              { class: "queue", id: "next" },
              next.map((id) => h("li", { text: personName(state, id) + awayMark(floor, id) })),
            ),
          )
        : null,
    ];
  });
}

/** The chain's goals in the order they were decided: the input chain's by their dates, then
 * this session's as it decided them. A file's dates may lie after the server's clock, so they
 * never outrank what the room has just agreed. A decision's time is to the second: within
 * one second, the ballot closed last decided last. A goal the file gives no date was decided
 * after the goals it serves, not before everything: sprint planning's product goals with no
 * decision record went first when the chain gave way, and the room lost what its sprint
 * goal could serve. */
function inDecisionOrder(state, goals) {
  const closed = new Map(state.ballots.map((b) => [b.id, Math.max(b.closed_at || 0, b.revealed_at || 0)]));
  const byId = new Map(goals.map((goal) => [goal.id, goal]));
  const dated = new Map();
  const decidedAt = (goal, trail = new Set()) => {
    if (!dated.has(goal.id)) {
      const parents = (goal.parents || []).filter((id) => byId.has(id) && !trail.has(id));
      const inner = new Set(trail).add(goal.id);
      const after = parents.map((id) => decidedAt(byId.get(id), inner));
      dated.set(goal.id, Date.parse((goal.decided || {}).at) || Math.max(0, ...after));
    }
    return dated.get(goal.id);
  };
  const decisions = goals.map((goal, index) => {
    const decided = goal.decided || {};
    const here = decidedHere(state, goal) ? 1 : 0;
    const ballot = here ? closed.get(decided.ballot) || 0 : 0;
    return { goal, here, at: decidedAt(goal), ballot, index };
  });
  decisions.sort((a, b) => a.here - b.here || a.at - b.at || a.ballot - b.ballot || a.index - b.index);
  return decisions.map((decision) => decision.goal);
}

/** Whether this session decided `goal` (accepted, amended, achieved or retired it). */
const decidedHere = (state, goal) => (goal.decided || {}).session === state.session.id;

function renderChain(state) {
  update($("#chain-body"), [state.chain, state.review], () => {
    const tree = chainTree(state, knownGoals);
    const chain = state.chain || {};
    const goals = [chain.vision, ...(chain.goals || [])].filter(Boolean);
    knownGoals = new Set(goals.map((g) => g.id));
    const ordered = inDecisionOrder(state, goals);
    decisionOrder = new Map(ordered.map((g, place) => [g.id, place]));
    const planning = state.session.kind === "sprint_planning";
    servable = new Set(goals.filter((g) => planning && g.level === "product" && inForce(g)).map((g) => g.id));
    changed = new Set(((state.review || {}).changed || []).map((c) => c.goal_id));
    // The goal decided last stays in view, with its details, however long the chain grows.
    // The chain the room holds to: a goal rejected, retired or only proposed in the file
    // is left out, unless this session decided it (a review retiring a goal shows it).
    for (const goal of goals.filter((g) => !inForce(g) && !decidedHere(state, g))) {
      for (const node of tree.querySelectorAll(`li.node[data-goal="${CSS.escape(goal.id)}"]`)) node.remove();
    }
    for (const [ids, name] of [[servable, "servable"], [changed, "changed"]]) {
      for (const id of ids) {
        for (const node of tree.querySelectorAll(`li.node[data-goal="${CSS.escape(id)}"]`)) node.classList.add(name);
      }
    }
    const newest = ordered.filter(inForce).pop();
    const node = newest && tree.querySelector(`li.node[data-goal="${CSS.escape(newest.id)}"]:not(.ref)`);
    if (node) node.classList.add("newest");
    // A product goal's features, in a line under its title: what it is reached with. They
    // give way early (screen-fit.js, fit-2), before any goal or finding.
    for (const goal of goals.filter((g) => (g.features || []).length)) {
      const box = tree.querySelector(`li.node[data-goal="${CSS.escape(goal.id)}"]:not(.ref) > .node-box`);
      if (box) box.append(h("span", { class: "node-features", text: `Features: ${goal.features.join(" · ")}` }));
    }
    // What this session changed, on each goal it decided, when the chain holds others too
    // (shown with the chain on stage).
    const here = goals.filter((g) => decidedHere(state, g));
    for (const goal of here.length < goals.length ? here : []) {
      const box = tree.querySelector(`li.node[data-goal="${CSS.escape(goal.id)}"]:not(.ref) > .node-box`);
      if (box) box.append(h("span", { class: "decided-here", text: "decided in this session" }));
    }
    return tree;
  });
}

/** The top bar on one line: the join code says "Code …" rather than cut the session's title
 * short ("Sprint 14 plan…" beside "Join with code …" at 1366 px). A title too long even so
 * takes a line of its own, two at most, the phase and the code under it. */
function fitTopBar() {
  const head = $(".screen-head");
  const join = $("#join-line");
  const title = $("#session-title");
  const joinCode = join.dataset.code;
  const cut = () => title.scrollWidth > title.clientWidth || title.scrollHeight > title.clientHeight;
  const invitation = joinCode ? `Join with code ${joinCode}` : "";
  head.classList.remove("title-wraps");
  join.textContent = invitation;
  if (joinCode && cut()) join.textContent = `Code ${joinCode}`;
  if (!cut()) return;
  head.classList.add("title-wraps");
  join.textContent = invitation; // under the title, the phase and the code have the line
}

/** Each column gives way until it fits the window: on the stage the reasons and lists before
 * the question; on the side the older goals before the newest. */
function fitScreen() {
  const main = $("#main");
  const side = $(".screen-side");
  const chain = $("#chain");
  const onStage = ["chain-stage", "light-stage"].some((name) => document.body.classList.contains(name));
  const code = $("#screen-code");
  if (code) fitLine(code);
  fitTopBar();
  // Under the stage, "Nobody has the floor." gives way to what the stage says.
  const idleFloor = onStage && $("#floor").classList.contains("idle");
  // Under a ballot, a review's findings give way before the ballot's own texts do.
  const underBallot = Boolean($("#stage-body .question"));
  document.body.classList.remove("floor-gives-way");
  // A ballot the stage holds whole in half the width gives the other half to the floor and the
  // chain: beside a stage a third empty, the chain cut every title to a word ("Product:
  // Acquire…"). Where it would have to give way there, it keeps the wide column.
  document.body.classList.toggle("half-stage", underBallot && !onStage);
  const fitMain = () => fit(main, () => [
    tighten(main, "fit-clamp"),
    tighten(main, "fit-0"),
    tighten(main, "fit-1"),
    underBallot ? trimLongest(main, FINDINGS, 0) : () => false,
    trimLongest(main, STAGE_LISTS, 2),
    idleFloor ? tighten(document.body, "floor-gives-way") : () => false,
    tighten(main, "fit-2"),
    trimLongest(main, STAGE_LISTS, 1),
    trimLongest(main, REASONS, 0), // the bars still count them
    tighten(main, "fit-3"), // the question itself on one line: the last to give way
    trimLongest(main, FINDINGS, 0), // a kind of findings summed up whole, with the others
    trimLongest(main, GROUPS, 1), // a room too large for its groups on one screen
  ]);
  fitMain();
  if (document.body.classList.contains("half-stage") && gaveWay(main)) {
    document.body.classList.remove("half-stage");
    fitMain();
  }
  // With the chain on stage the side column is no box of its own: the floor, under the
  // stage, and the chain each give way alone (the queue ran out of sight under the holder).
  const floor = $("#floor");
  const box = onStage ? chain : side;
  for (const other of onStage ? [side] : [chain, floor]) fit(other, () => []); // back in full
  fit(side, () => [trimLongest(side, NEXT, 4)]); // four named at most, wherever the chain is
  if (onStage) {
    fit(floor, () => [
      tighten(floor, "fit-clamp"),
      tighten(floor, "fit-1"),
      trimLongest(floor, NEXT, 2),
      tighten(floor, "fit-3"),
      trimLongest(floor, NEXT, 1),
      trimLongest(floor, NEXT, 0),
    ]);
  }
  const order = (id) => decisionOrder.get(id) ?? -1;
  // A goal's title is cut to one line only once no goal is left to sum up (fit-6): a chain of
  // one-word titles says less than fewer goals the room can read.
  fit(box, () => [
    tighten(box, "fit-clamp"),
    tighten(box, "fit-1"),
    trimLongest(box, NEXT, 2),
    pruneChain(box, order, (id) => !servable.has(id) && !changed.has(id)),
    tighten(box, "fit-2"),
    trimLongest(box, NEXT, 1),
    tighten(box, "fit-3"),
    tighten(box, "fit-4"),
    tighten(box, "fit-5"), // what a review changed, cut short as any goal, when nothing else gives
    pruneChain(box, order), // sprint planning's product goals and what a review changed last
    tighten(box, "fit-6"),
    trimLongest(box, NEXT, 0), // "Next: 6 people": the name holding the floor stays whole
  ]);
}

function render(state, live) {
  const { session } = state;
  document.title = `Room screen: ${session.title}`;
  // The product heads its chain: beside the phase and the join code, title and product on
  // one line were cut short ("Fitness strategy — Fit…") on a projector.
  $("#session-title").textContent = session.title;
  $("#session-title").title = session.title; // the whole title, where two lines cut it short
  $("#chain-product").textContent = session.product || "";
  $("#chain-product").hidden = !session.product;
  $("#phase-line").textContent = PHASES[session.phase] || session.phase;
  // A closed session admits nobody: the projector no longer invites the room to join.
  $("#join-line").dataset.code = invite && !session.closed ? invite.join_code : "";
  document.body.classList.toggle("chain-stage", chainOnStage(state));
  // A review's findings are what the review produces: beside the chain, half the width.
  document.body.classList.toggle("findings-stage", chainOnStage(state) && Boolean(reviewLines(state)));
  renderStage(state);
  renderFloor(state);
  renderChain(state);
  // The countdowns' text before the fit: filled in after it, it made the floor a few pixels
  // taller and the chain's last line ran under the bottom of the window.
  tickCountdowns(live);
  fitScreen();
}

function fatal(message) {
  const banner = $("#fatal");
  banner.textContent = message;
  banner.hidden = false;
}

// The columns fit again whenever their room changes: the window resized, or the banner saying
// the server cannot be reached comes or goes (it pushed the chain's last goal off the bottom).
new ResizeObserver(fitScreen).observe($(".screen-main"));

const token = screenToken();
if (!token) {
  fatal("This screen has no link. Open it with the console's “Open room screen” button.");
} else {
  const live = startLive({ token, render, onRefused: (message) => fatal(`Not connected: ${message}.`) });
  getJSON(sessionPath(workshopId, "invite"), token)
    .then((answer) => {
      invite = answer;
      if (live.state) render(live.state, live);
    })
    .catch((error) => fatal(error.message));
}
