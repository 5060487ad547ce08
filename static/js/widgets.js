// Pieces the console, the participant view and the room screen show: labels, proposals,
// the chain tree, ballot turnout, countdowns, and what to announce for each event
// (revealed results are charts.js's).

import { clock, h } from "./dom.js";
import { plainDay, plainMoment } from "./localtime.js";

export const PHASES = {
  check_in: "Check-in",
  propose: "Propose (silently)",
  present: "Present",
  discuss: "Discuss",
  decide: "Decide",
  review_chain: "Review the chain",
  close: "Close",
};
/** What to do now in each phase, said to the whole room. */
export const PHASE_TIPS = {
  check_in: "Check-in: say how you arrive when the floor comes to you.",
  propose: "Write goals silently: nobody sees who proposed what until the facilitator reveals it.",
  present: "Present your proposals when it is your turn; ask questions by raising your hand.",
  discuss: "Discuss: raise your hand to speak; the floor goes around fairly.",
  decide: "Decide: vote when a ballot opens. Votes stay secret until the reveal.",
  review_chain: "Review the goal chain: what it holds now, and what this session changed.",
  close: "The workshop is closed. Thank you!",
};
export const RULES = {
  unanimity: "Unanimity",
  consent: "Consent",
  majority: "Majority",
  fist_of_five: "Fist of five",
  dot: "Dot voting",
  ranked: "Ranked choice",
  decider: "Decider (after advice)",
};
export const ROLES = {
  facilitator: "Facilitator",
  product: "Product person",
  team: "Team member",
  stakeholder: "Stakeholder",
  observer: "Observer",
};
export const LEVELS = {
  vision: "Vision",
  user: "User goal",
  business: "Business goal",
  product: "Product goal",
  sprint: "Sprint goal",
};
export const KINDS = {
  strategizing: "Strategizing",
  roadmapping: "Roadmapping",
  review: "Review",
  sprint_planning: "Sprint planning",
};
const CHANGES = { amend: "Changes", achieve: "Achieves", retire: "Retires" };
export const PARENT_LEVELS = {
  vision: [],
  user: ["vision"],
  business: ["vision"],
  product: ["user", "business"],
  sprint: ["product"],
};
/** Statuses of a chain goal the chain holds to (not rejected, retired or only proposed). */
export const IN_FORCE = ["accepted", "achieved"];
/** A goal the chain holds to: the vision (no status), or a goal accepted or achieved. */
export const inForce = (goal) => IN_FORCE.includes(goal.status || "accepted");

export const PROPOSING_PHASES = ["propose", "present", "discuss", "decide", "review_chain"];
export const ANONYMOUS_RULES = ["unanimity", "majority", "dot", "ranked"];
export const YES_NO_RULES = ["unanimity", "consent", "majority", "fist_of_five", "decider"];
const CHOICE_LABELS = {
  agree: "Agree",
  disagree: "Disagree",
  abstain: "Abstain",
  consent: "Consent",
  concern: "Concern",
  objection: "Objection",
};
export const choiceLabel = (choice) => CHOICE_LABELS[choice] || choice;

/** The agenda as numbered steps, those done dimmed and the current one marked. */
export function agendaSteps(session) {
  const step = session.agenda.indexOf(session.phase);
  return h(
    "ol",
    { class: "steps", "aria-label": "Agenda" },
    session.agenda.map((phase, index) =>
      h("li", {
        class: [phase === session.phase ? "current" : null, index < step ? "done" : null],
        "aria-current": phase === session.phase ? "step" : null,
        text: PHASES[phase] || phase,
      }),
    ),
  );
}

export function personName(state, id) {
  if (!id) return "someone";
  const person = state && state.participants.find((p) => p.id === id);
  return person ? person.name : "someone"; // never an id on a page
}

/** " (away)" after the name of someone the floor waits for who is not connected: passed
 * over while away, they keep their place (a raised hand, a round still to ask) for when back. */
export function awayMark(floor, id) {
  return (floor.away || []).includes(id) ? " (away)" : "";
}

export function proposalById(state, id) {
  return state.proposals.find((p) => p.id === id);
}

/** The title of a goal of the chain or of a proposal, by id. */
export function goalTitle(state, id) {
  const chain = state.chain || {};
  if (chain.vision && chain.vision.id === id) return chain.vision.statement;
  const goal = (chain.goals || []).find((g) => g.id === id);
  if (goal) return goal.title;
  const proposal = proposalById(state, id);
  if (proposal && proposal.hidden_text) return "a hidden card";
  return proposal ? proposal.title : "a proposal"; // never an id on a page
}

/** A ballot's option by the title it was voted on: an amendment since does not rename it. */
export function votedTitle(state, ballot, id) {
  return (ballot.titles && ballot.titles[id]) || goalTitle(state, id);
}

/** Statuses a proposal can still move on from (edited, voted on again). */
export const LIVE_STATUSES = ["proposed", "rejected", "to_amend", "parked"];
export const isLive = (p) => LIVE_STATUSES.includes(p.status);
const STATUS_LABELS = {
  to_amend: "to amend",
  parked: "parked",
  accepted: "accepted",
  rejected: "rejected",
  withdrawn: "withdrawn",
  merged: "merged",
  achieved: "achieved",
  retired: "retired",
};
export const statusLabel = (status) => STATUS_LABELS[status] || status;

/** The options tied for first place of a revealed dot or ranked ballot with no winner. */
export function tiedFirst(ballot) {
  const result = ballot.result || {};
  if (!["dot", "ranked"].includes(ballot.rule) || result.winner || !(result.ranking || []).length) return [];
  const first = result.ranking[0];
  return (result.ties || []).find((tie) => tie.includes(first)) || [];
}

/** Ballots newest first. */
export function ballotsNewestFirst(state) {
  return [...state.ballots].sort((a, b) => b.opened_at - a.opened_at);
}

/** The ballot for me now: an open one I vote in, else one of the room, else the latest. */
export function currentBallot(state) {
  const mine = (b) => b.electorate.includes(state.me.id);
  const ballots = ballotsNewestFirst(state).filter((b) => !b.remote || b.status === "open" || mine(b));
  const open = ballots.filter((b) => b.status === "open");
  return (
    open.find(mine) ||
    open.find((b) => !b.remote) ||
    open[0] ||
    ballots[0] ||
    null
  );
}

export function turnoutText(ballot) {
  return `${ballot.turnout} of ${ballot.electorate.length} voted`;
}

/** A moment in a <time>, in the plain form of the pages and the minutes. */
function momentTime(at) {
  const when = new Date(at * 1000);
  return h("time", { datetime: when.toISOString(), text: plainMoment(when) });
}

/** "Closes Friday 12 May 2027, 14:30 CEST (in 1:59:58)" for a ballot with a deadline; once
 * closed, when it did: everyone may have voted long before the deadline. Else null. */
export function closesAt(ballot) {
  if (!ballot.deadline) return null;
  if (ballot.status !== "open") {
    return h("p", { class: "deadline muted" }, "Closed ", momentTime(ballot.closed_at || ballot.deadline));
  }
  return h(
    "p",
    { class: "deadline" },
    "Closes ",
    momentTime(ballot.deadline),
    " (in ",
    countdown(ballot.deadline, "time left to vote"),
    ")",
  );
}

export function ruleOfVote(ballot) {
  return ballot.rule === "decider"
    ? (ballot.settings && ballot.settings.advisory_rule) || "consent"
    : ballot.rule;
}

/** A vote as words: "Agree", "3 of 5", "Dots: A 2", "Ranking: A, B". */
export function voteText(state, vote) {
  if (!vote) return "";
  let text;
  if (vote.choice) text = choiceLabel(vote.choice);
  else if (typeof vote.value === "number") text = `${vote.value} of 5`;
  else if (vote.dots) {
    const parts = Object.entries(vote.dots).map(([id, n]) => `${goalTitle(state, id)} ${n}`);
    text = `Dots: ${parts.join(", ") || "none"}`;
  } else if (vote.ranking) text = `Ranking: ${vote.ranking.map((id) => goalTitle(state, id)).join(" > ")}`;
  else text = "voted";
  return vote.reason ? `${text} — ${vote.reason}` : text;
}

/** A countdown element; `tickCountdowns` keeps its text current. */
export function countdown(deadline, label) {
  if (deadline === null || deadline === undefined)
    return h("span", { class: "countdown none", text: "no time limit" });
  return h("span", {
    class: "countdown",
    "data-deadline": String(deadline),
    role: "timer",
    "aria-label": label || "time left",
  });
}

/** A running 1-2-4-All: its stage and countdown, then what this page shows of the groups. */
export function stageBox(structure, groups) {
  const stage = structure.plan[structure.stage];
  return h(
    "div",
    { class: "structure" },
    h(
      "p",
      {},
      h("strong", { text: `1-2-4-All: ${stage.name}` }),
      " ",
      countdown(structure.deadline, "time left in this stage"),
    ),
    groups(stage.groups || []),
  );
}

export function tickCountdowns(live) {
  const now = live.serverNow();
  for (const el of document.querySelectorAll(".countdown[data-deadline]")) {
    const left = Number(el.dataset.deadline) - now;
    const text = clock(left);
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle("low", left <= 15);
    el.classList.toggle("over", left <= 0);
  }
}

function badge(text, kind) {
  return h("span", { class: ["badge", kind], text });
}

function metricText(metric) {
  const from = metric.baseline !== undefined && metric.baseline !== null ? `${metric.baseline} → ` : "";
  const to = metric.target !== undefined && metric.target !== null ? `${metric.target}` : "no target";
  const readings = metric.readings || [];
  const last = readings.reduce((latest, r) => (!latest || r.at >= latest.at ? r : latest), null);
  const read = last ? `, read ${last.value} on ${plainDay(last.at)}` : "";
  return `${metric.name}: ${from}${to}${metric.unit ? " " + metric.unit : ""}${read}`;
}

const valueText = (value) => (value === undefined || value === null || value === "" ? "none" : String(value));

/** What an amendment changes in its goal, a line per field ({field: {before, after}}), as
 * the minutes say it: "due 2027-Q2 → 2027-Q3", "metric active users: target 5000 → 6000". */
function amendsText(state, amends) {
  const lines = [];
  for (const [field, { before, after }] of Object.entries(amends || {})) {
    if (field === "parents") {
      const titles = (ids) => ids.map((id) => goalTitle(state, id)).join("; ") || "nothing";
      lines.push(`serves ${titles(after)} (served ${titles(before)})`);
    } else if (field === "metrics") {
      const old = new Map(before.map((m) => [m.name, m]));
      const now = new Map(after.map((m) => [m.name, m]));
      for (const [name, metric] of now) {
        if (!old.has(name)) {
          lines.push(`metric ${name} added`);
          continue;
        }
        const moved = ["baseline", "target", "unit", "owner"]
          .filter((key) => valueText(old.get(name)[key]) !== valueText(metric[key]))
          .map((key) => `${key} ${valueText(old.get(name)[key])} → ${valueText(metric[key])}`);
        if (moved.length) lines.push(`metric ${name}: ${moved.join(", ")}`);
      }
      for (const name of old.keys()) if (!now.has(name)) lines.push(`metric ${name} dropped`);
    } else if (field === "features") {
      for (const f of after) if (!before.includes(f)) lines.push(`feature ${f} added`);
      for (const f of before) if (!after.includes(f)) lines.push(`feature ${f} dropped`);
    } else if (field === "description") {
      lines.push(after ? "description rewritten" : "description removed");
    } else {
      const said = field === "owner" ? "the goal's owner" : field;
      const quote = (value) => (field === "title" ? `“${value}”` : valueText(value));
      lines.push(`${said} ${quote(before)} → ${quote(after)}`);
    }
  }
  return lines;
}

/** One proposal as a card; `extra` nodes (controls) go at its foot. */
export function proposalCard(state, proposal, extra = []) {
  const me = state.me.id;
  let author;
  if (proposal.author === me) author = proposal.hidden_author ? "you (hidden from others)" : "you";
  else if (proposal.author) author = personName(state, proposal.author);
  else author = "author hidden";
  const parents = proposal.parents || [];
  const revisions = (proposal.revisions || []).length;
  const reviewers = proposal.reviewers || [];
  const amends = amendsText(state, proposal.amends);
  const byLink = (id) => state.participants.some((p) => p.id === id && p.remote);
  return h(
    "article",
    { class: ["proposal", `status-${proposal.status}`], "data-proposal-id": proposal.id },
    h(
      "header",
      {},
      badge(LEVELS[proposal.level] || proposal.level, `level-${proposal.level}`),
      proposal.change && proposal.change !== "new"
        ? badge(`${CHANGES[proposal.change] || proposal.change} “${goalTitle(state, proposal.target)}”`, "change")
        : null,
      proposal.status !== "proposed" ? badge(statusLabel(proposal.status), `st-${proposal.status}`) : null,
    ),
    h("h4", { class: "proposal-title", text: proposal.title }),
    proposal.description ? h("p", { class: "desc", text: proposal.description }) : null,
    h(
      "dl",
      { class: "facts" },
      amends.length
        ? [h("dt", { text: "Changes" }), h("dd", {}, h("ul", { class: "amends" }, amends.map((line) => h("li", { text: line }))))]
        : null,
      parents.length
        ? [
            h("dt", { text: "Serves" }),
            h("dd", { text: parents.map((id) => goalTitle(state, id)).join("; ") }),
          ]
        : null,
      proposal.metrics && proposal.metrics.length
        ? [
            h("dt", { text: "Metrics" }),
            h(
              "dd",
              {},
              h(
                "ul",
                {},
                proposal.metrics.map((m) => h("li", { text: metricText(m) })),
              ),
            ),
          ]
        : null,
      (proposal.features || []).length
        ? [
            h("dt", { text: "Features" }),
            h("dd", {}, h("ul", {}, proposal.features.map((f) => h("li", { text: f })))),
          ]
        : null,
      proposal.due ? [h("dt", { text: "Due" }), h("dd", { text: proposal.due })] : null,
      proposal.owner ? [h("dt", { text: "Owner" }), h("dd", { text: proposal.owner })] : null,
      [h("dt", { text: "By" }), h("dd", { text: author })],
      revisions
        ? [
            h("dt", { text: "Revised" }),
            h("dd", { class: "revised", text: revisions === 1 ? "once" : `${revisions} times` }),
          ]
        : null,
      reviewers.length
        ? [
            h("dt", { text: "Shared with" }),
            h("dd", { class: "reviewers", text: reviewers.map((id) => personName(state, id)).join(", ") }),
          ]
        : null,
      proposal.merged_into
        ? [h("dt", { text: "Merged into" }), h("dd", { text: goalTitle(state, proposal.merged_into) })]
        : null,
    ),
    proposal.advice &&
      proposal.advice.length &&
      isLive(proposal) &&
      ["new", "amend"].includes(proposal.change || "new")
      ? h(
          "ul",
          { class: "advice", "aria-label": "Hints" },
          proposal.advice.map((tip) => h("li", { text: tip })),
        )
      : null,
    proposal.comments && proposal.comments.length
      ? h(
          "ul",
          { class: "comments", "aria-label": "Comments" },
          proposal.comments.map((c) =>
            h("li", {}, h("strong", { text: `${personName(state, c.by)}${byLink(c.by) ? " (by link)" : ""}: ` }), c.text),
          ),
        )
      : null,
    extra.length ? h("div", { class: "card-actions" }, extra) : null,
  );
}

/** The proposals grouped by level, as columns. */
export function proposalBoard(state, cardFor) {
  const levels = [...state.session.levels];
  for (const p of state.proposals) if (!levels.includes(p.level)) levels.push(p.level);
  const shown = state.proposals.filter((p) => p.status !== "withdrawn");
  if (!shown.length) return h("p", { class: "muted", text: "No proposals yet." });
  return h(
    "div",
    { class: "board" },
    levels.map((level) => {
      const all = shown.filter((p) => p.level === level);
      const cards = all.filter((p) => !p.hidden_text);
      const hidden = all.length - cards.length; // others' cards while texts are hidden
      return h(
        "section",
        { class: "column", "aria-label": LEVELS[level] || level },
        h("h3", { text: `${LEVELS[level] || level} (${all.length})` }),
        cards.map(cardFor),
        hidden
          ? h("p", {
              class: "hidden-cards",
              text: `${hidden} hidden ${hidden === 1 ? "card" : "cards"} from others, until the facilitator reveals the texts`,
            })
          : null,
        all.length ? null : h("p", { class: "muted", text: "None yet." }),
      );
    }),
  );
}

/** The goal chain as a tree: the vision at the root, each goal under its parents. */
// The kinds of session that build on a chain, and what it means to have started from none.
const NO_CHAIN = "This session started from no goal chain";
const AGAIN = "Create it again from the chain it builds on (or from the session that made it).";
const STARTS_FROM_A_CHAIN = {
  roadmapping: `${NO_CHAIN}: product goals have no user or business goal to serve, so none can go to a vote. ${AGAIN}`,
  sprint_planning: `${NO_CHAIN}: a sprint goal has no product goal to serve, so none can go to a vote. ${AGAIN}`,
  review: `${NO_CHAIN}: there is nothing to review. ${AGAIN}`,
};

export function chainTree(state, known) {
  const chain = state.chain || {};
  const goals = chain.goals || [];
  const vision = chain.vision;
  const ids = new Set(goals.map((g) => g.id));
  if (vision) ids.add(vision.id);
  const children = new Map();
  const unlinked = [];
  for (const goal of goals) {
    const parents = (goal.parents || []).filter((id) => ids.has(id));
    if (!parents.length) unlinked.push(goal);
    for (const parent of parents) {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(goal);
    }
  }
  const fresh = (id) => known && !known.has(id); // known: ids shown before; null at first
  const placed = new Set(); // a goal with several parents is drawn once, then referred to
  const node = (id, level, title, goal, trail) => {
    if (placed.has(id)) {
      return h(
        "li",
        { class: ["node", "ref", `level-${level}`], "data-goal": id },
        h(
          "div",
          { class: "node-box" },
          h("span", { class: "node-id", text: "also serves this goal" }),
          h("span", { class: "node-title", text: title }),
        ),
      );
    }
    placed.add(id);
    const kids = (children.get(id) || []).filter((g) => !trail.has(g.id));
    const inner = new Set(trail).add(id);
    return h(
      "li",
      { class: ["node", `level-${level}`, fresh(id) ? "fresh" : null], "data-goal": id },
      h(
        "div",
        { class: "node-box" },
        h("span", { class: "node-id", text: LEVELS[level] || level }),
        h("span", { class: "node-title", text: title }),
        goal && goal.status && goal.status !== "accepted" ? badge(goal.status, `st-${goal.status}`) : null,
        goal && goal.due ? h("span", { class: "node-meta", text: `due ${goal.due}` }) : null,
        goal && goal.metrics && goal.metrics.length
          ? h("span", { class: "node-meta", text: goal.metrics.map(metricText).join("; ") })
          : null,
      ),
      kids.length
        ? h(
            "ul",
            {},
            kids.map((g) => node(g.id, g.level, g.title, g, inner)),
          )
        : null,
    );
  };
  if (!vision && !goals.length) {
    const stranded = STARTS_FROM_A_CHAIN[state.session.kind];
    if (stranded) return h("p", { class: "stranded", role: "note", text: stranded });
    return h("p", { class: "muted", text: "No goals yet: the chain grows here as goals are accepted." });
  }
  const roots = [];
  if (vision) roots.push(node(vision.id, "vision", vision.statement, null, new Set()));
  for (const goal of unlinked) roots.push(node(goal.id, goal.level, goal.title, goal, new Set()));
  return h("ul", { class: "tree", "aria-label": "Goal chain" }, roots);
}

/** A short sentence for screen readers about an event, or null to stay quiet. */
export function describe(state, name, data) {
  if (!state) return null;
  const who = (id) => personName(state, id);
  switch (name) {
    case "phase_changed":
      return `Phase: ${PHASES[data.phase] || data.phase}`;
    case "participant_joined":
      return `${data.participant.name} joined`;
    case "goal_proposed":
      return data.proposal.hidden_text
        ? `New ${LEVELS[data.proposal.level] || "goal"} proposed: a hidden card`
        : `New ${LEVELS[data.proposal.level] || "goal"} proposed: ${data.proposal.title}`;
    case "hand_raised":
      return `${who(data.participant_id)} raised a hand`;
    case "hand_lowered": // by its owner, the facilitator, or the close
      return data.participant_id === state.me.id ? "Your hand is down" : `${who(data.participant_id)}'s hand is down`;
    case "floor_granted":
      return data.turn.participant_id === state.me.id
        ? "You have the floor"
        : `${who(data.turn.participant_id)} has the floor`;
    case "turn_ended":
      return `${who(data.participant_id)}'s turn ended`;
    case "round_started":
      return "A round-robin started";
    case "round_ended":
      return "The round-robin ended";
    case "stage_started":
      return `1-2-4-All: ${data.plan[data.stage].name}`;
    case "ballot_opened":
      return `A ballot opened: ${data.ballot.options.map((id) => votedTitle(state, data.ballot, id)).join(", ")} (${RULES[data.ballot.rule]})`;
    case "vote_cast":
      return `${data.turnout} of ${data.electorate_size} voted`;
    case "ballot_closed":
      return "Voting closed";
    case "ballot_revealed":
      if ((data.result.awaiting_ruling || []).length)
        return "Ballot revealed: awaiting the facilitator's ruling on an objection";
      return `Ballot revealed: ${data.result.passed === true ? "passed" : data.result.passed === false ? "not passed" : "ranking shown"}`;
    case "proposal_to_amend":
      return state.proposals.some((p) => p.id === data.proposal_id && p.mine)
        ? `Your proposal goes back to you to amend: ${goalTitle(state, data.proposal_id)}`
        : `Back to its author to amend: ${goalTitle(state, data.proposal_id)}`;
    case "tie_referred":
      return data.decider === state.me.id
        ? "A tie for first place: you choose among the tied"
        : `A tie for first place goes to ${who(data.decider)}`;
    case "ballot_settled":
      return `Settled: ${data.others.map((id) => goalTitle(state, id)).join(", ")} ${data.status}`;
    case "goal_accepted":
      return `Goal accepted into the chain: ${data.goal.title || data.goal.statement || data.goal.id}`;
    case "proposal_withdrawn": // by the facilitator: its author hears of it
      return data.by && state.proposals.some((p) => p.id === data.proposal_id && p.mine)
        ? `The facilitator withdrew your proposal: ${goalTitle(state, data.proposal_id)}`
        : null;
    case "proposal_rejected":
      return `Proposal not accepted: ${goalTitle(state, data.proposal_id)}`;
    case "draft_shared":
      return `Draft shared for comments: ${goalTitle(state, data.proposal_id)}`;
    case "comment_added":
      return `${who(data.comment.by)} commented on ${goalTitle(state, data.proposal_id)}`;
    case "authors_revealed":
      return "Authors are revealed";
    case "texts_hidden":
      return "Texts are hidden until the facilitator reveals them";
    case "texts_revealed":
      return "Every proposal's text is revealed";
    case "decision_recorded":
      if (data.decision.winner) return `The decider chose: ${goalTitle(state, data.decision.winner)}`;
      return `The decider decided: ${data.decision.passed ? "accepted" : "not accepted"}`;
    default:
      return null;
  }
}
