// Revealed results as charts, written once for the room screen, the console and the
// participant view: a chart fit for each rule, with titles and names, never ids.
// Bars are spans sized through the CSSOM, which the strict style policy allows.

import { h } from "./dom.js";
import { choiceLabel, personName, proposalById, ruleOfVote, tiedFirst, votedTitle, voteText } from "./widgets.js";

const CHOICE_ORDER = {
  unanimity: ["agree", "disagree", "abstain"],
  majority: ["agree", "disagree", "abstain"],
  consent: ["consent", "concern", "objection"],
};

/** Horizontal bars: rows of {label, value, note, kind}, scaled to the largest value. */
export function bars(rows, caption) {
  const top = Math.max(1, ...rows.map((row) => row.value));
  return h(
    "div",
    { class: "bars", role: "table", "aria-label": caption },
    rows.map((row) => {
      const fill = h("span", { class: ["fill", row.kind] });
      fill.style.width = `${(100 * row.value) / top}%`;
      return h(
        "div",
        { class: "bar-row", role: "row" },
        h("span", { class: "bar-label", role: "cell", text: row.label }),
        h("span", { class: "track", role: "presentation" }, fill),
        h("span", {
          class: "bar-value",
          role: "cell",
          text: row.note ? `${row.value} ${row.note}` : String(row.value),
        }),
      );
    }),
  );
}

/** Fist of five: one column per value 0–5, as tall as its count. */
function histogram(counts) {
  const values = ["0", "1", "2", "3", "4", "5"];
  const top = Math.max(1, ...values.map((v) => counts[v] || 0));
  return h(
    "div",
    { class: "histogram", role: "table", "aria-label": "Votes per number of fingers" },
    h(
      "div",
      { class: "sr-only", role: "row" },
      h("span", { role: "columnheader", text: "Fingers" }),
      h("span", { role: "columnheader", text: "Votes" }),
    ),
    values.map((value) => {
      const n = counts[value] || 0;
      const column = h("span", { class: ["histogram-bar", Number(value) < 3 ? "low" : null] });
      column.style.height = `${(100 * n) / top}%`;
      return h(
        "div",
        { class: "histogram-col", role: "row" },
        // Read in the order of the header (fingers, then votes), shown count above bar above fingers.
        h("span", { class: "histogram-value", role: "rowheader", text: value }),
        h("span", { class: "histogram-count", role: "cell", text: String(n) }),
        h("span", { class: "histogram-track", role: "presentation" }, column),
      );
    }),
  );
}

/** Place numbers for options in ranking order, as the minutes and "Final order" number them:
 * options tied together share a place (1, 2, 2, 3); a winner the decider chose from a tie
 * stands alone. */
function placesOf(result) {
  const ties = (result.ties || []).map((group) => group.filter((id) => id !== result.winner));
  const tiedWith = (a, b) => ties.some((group) => group.includes(a) && group.includes(b));
  const places = {};
  let place = 0;
  (result.ranking || []).forEach((id, index, ranking) => {
    if (!(index && tiedWith(id, ranking[index - 1]))) place += 1;
    places[id] = place;
  });
  return places;
}

/** Head-to-head: the options each one beats, from how many voters ranked it above each. */
export function headToHead(pairwise, id) {
  const row = (pairwise && pairwise[id]) || {};
  return Object.keys(row).filter((other) => row[other] > ((pairwise[other] || {})[id] || 0));
}

function rankedChart(state, ballot, result) {
  const title = (id) => votedTitle(state, ballot, id);
  const places = placesOf(result);
  const pairwise = (result.counts || {}).pairwise || {};
  const others = (result.ranking || []).length - 1;
  return h(
    "ol",
    { class: "ranked-result", "aria-label": "Ranking, best first" },
    (result.ranking || []).map((id) => {
      const beaten = headToHead(pairwise, id);
      return h(
        "li",
        { class: ["ranked-row", id === result.winner ? "winner" : null] },
        h("span", { class: "place", text: `${places[id]}.` }),
        h(
          "span",
          { class: "ranked-body" },
          h("span", { class: "ranked-title", text: title(id) }),
          h("span", {
            class: "ranked-wins",
            text: beaten.length
              ? `beats ${beaten.length} of ${others} head to head: ${beaten.map(title).join(", ")}`
              : others === 1
                ? "does not beat the other option head to head"
                : `beats none of the ${others} others head to head`,
          }),
        ),
      );
    }),
  );
}

function dotChart(state, ballot, result) {
  const counts = result.counts || {};
  const order = result.ranking && result.ranking.length ? result.ranking : ballot.options;
  return bars(
    order.map((id) => ({
      label: votedTitle(state, ballot, id),
      value: counts[id] || 0,
      note: counts[id] === 1 ? "dot" : "dots",
      kind: id === result.winner ? "winner" : null,
    })),
    "Dots per proposal",
  );
}

function choiceChart(rule, counts) {
  return bars(
    CHOICE_ORDER[rule].map((choice) => ({
      label: choiceLabel(choice),
      value: counts[choice] || 0,
      kind: `choice-${choice}`,
    })),
    "Votes per choice",
  );
}

/** The consent round's concerns and objections with their reasons, as the room may see them. */
function concernsAndObjections(state, ballot, result) {
  const who = (voter) => (ballot.anonymous ? "" : `${personName(state, voter)}: `);
  const ruling = (objection) => {
    if (ballot.rule === "decider") return "advice to the decider: no ruling needed";
    if (objection.ruled_out) return `ruled not paramount: ${objection.ruled_out.reason}`;
    const given = (ballot.rulings || {})[objection.voter];
    if (given && given.stands) return "it stands: back to its author to amend";
    // A response missing, no ruling could change the verdict: none is awaited.
    return (result.awaiting_ruling || []).includes(objection.voter) ? "awaiting the facilitator's ruling" : "not ruled on";
  };
  // The ruling before the reason: a screen short of room shortens the reason, and the room
  // must still read how the objection was ruled ("Passed" beside an objection bar).
  const items = [
    ...(result.objections || []).map((o) =>
      h(
        "li",
        { class: ["objection", o.ruled_out ? "ruled-out" : null] },
        h("strong", { text: `Objection — ${who(o.voter)}` }),
        h("span", { class: "objection-ruling", text: `(${ruling(o)}) ` }),
        o.reason,
      ),
    ),
    ...(result.concerns || []).map((c) =>
      h("li", { class: "concern" }, h("strong", { text: `Concern — ${who(c.voter)}` }), c.reason || "no reason given"),
    ),
  ];
  return items.length ? h("ul", { class: "objections", "aria-label": "Objections and concerns" }, items) : null;
}

// The rules' sentence for a quorum not met (workshop/domain/rules/yes_no.py).
const QUORUM_MISSED = /^Too few people voted: (\d+) of (\d+), with at least (\d+) needed/;

function verdict(state, ballot) {
  const result = ballot.result;
  const title = (id) => votedTitle(state, ballot, id);
  if (ballot.rule === "decider") {
    if (!ballot.decision) return ["Advice in: awaiting the decider's decision", "pending"];
    if (ballot.decision.winner) return [`Decided: ${title(ballot.decision.winner)} goes forward`, "passed"];
    return [
      ballot.decision.passed ? "Decided: accepted" : "Decided: not accepted",
      ballot.decision.passed ? "passed" : "failed",
    ];
  }
  if ((result.awaiting_ruling || []).length) return ["Awaiting the facilitator's ruling", "pending"];
  if (result.passed === true) return ["Passed", "passed"];
  // An objection that stands sends the proposal back to its author: not a rejection.
  const stood = Object.values(ballot.rulings || {}).some((ruling) => ruling.stands);
  if (result.passed === false && stood) return ["An objection stands", "pending", "back to its author to amend"];
  // Failed on a missing response with an objection never ruled on: it goes back too.
  const sentBack = (proposalById(state, ballot.options[0]) || {}).sent_back;
  if (result.passed === false && sentBack && sentBack.ballot_id === ballot.id)
    return ["Not passed", "pending", "back to its author to amend"];
  if (result.passed === false) {
    // Short of its quorum, a majority's chart (2 agree, 0 disagree) seems to say it passed.
    const short = (result.reasons || []).map((r) => r.match(QUORUM_MISSED)).find(Boolean);
    return [short ? `Not passed: ${short[1]} of ${short[2]} voted, ${short[3]} needed` : "Not passed", "failed"];
  }
  const chosen = ballot.decision && ballot.decision.winner;
  if (chosen) return [`Winner, chosen by the decider from a tie: ${title(chosen)}`, "passed"];
  if (result.winner) return [`Winner: ${title(result.winner)}`, "passed"];
  const tied = tiedFirst(ballot).map(title).join(" and ");
  const how = ballot.tie_break && ballot.tie_break.how;
  const tie = `Tie for first place (${tied})`;
  if (how === "runoff") return [tie, "pending", "a runoff is being held"];
  if (how === "decider") return [tie, "pending", "awaiting the decider's choice"];
  if (tied) return [tie, "pending", "the facilitator holds a runoff or asks the decider"];
  return ["Ranking, no single winner", "pending"];
}

/** A revealed ballot's verdict in one line, with what happens next. */
export function verdictLine(state, ballot) {
  const [text, , next] = verdict(state, ballot);
  return next ? `${text}: ${next}` : text;
}

/** The chart of a revealed ballot's votes, fit for its rule (the decider's: the advice). */
export function ruleChart(state, ballot) {
  const result = (ballot.rule === "decider" && ballot.result.advisory) || ballot.result;
  const rule = ruleOfVote(ballot);
  if (rule === "ranked") return rankedChart(state, ballot, result);
  if (rule === "dot") return dotChart(state, ballot, result);
  if (rule === "fist_of_five") return histogram(result.counts || {});
  return [
    choiceChart(rule, result.counts || {}),
    rule === "consent" ? concernsAndObjections(state, ballot, result) : null,
  ];
}

/** Verdict, chart and the decider's decision: what the room sees of a revealed ballot. */
export function resultChart(state, ballot) {
  if (!ballot.result) return null;
  // What happens next is said after the verdict; a room screen short of space leaves it out.
  const [text, kind, next] = verdict(state, ballot);
  const decision = ballot.decision;
  return h(
    "div",
    { class: ["result-chart", `rule-${ballot.rule}`] },
    h("p", { class: ["verdict", kind] }, text, next ? h("span", { class: "verdict-next", text: `: ${next}` }) : null),
    ballot.rule === "decider" ? h("p", { class: "advice-label", text: "The advice:" }) : null,
    ruleChart(state, ballot),
    decision
      ? h(
          "p",
          { class: "decision" },
          h("strong", { text: `${personName(state, decision.by)} decided: ` }),
          decision.rationale,
        )
      : null,
  );
}

/** The revealed result in full: the chart, the reasons, and who voted what. */
export function resultsView(state, ballot) {
  if (!ballot.result) return null;
  const votes = ballot.votes || [];
  return h(
    "div",
    { class: "results" },
    resultChart(state, ballot),
    h(
      "ul",
      { class: "reasons" },
      (ballot.result.reasons || []).map((reason) => h("li", { text: reason })),
    ),
    votes.length
      ? h(
          "details",
          { class: "vote-list" },
          h("summary", { text: ballot.anonymous ? "Votes (anonymous)" : "Who voted what" }),
          h(
            "ul",
            {},
            votes.map((v) =>
              h(
                "li",
                {},
                h("strong", { text: `${personName(state, v.voter)}: ` }),
                voteText(state, v),
                v.ruled_out ? ` (ruled not paramount: ${v.ruled_out.reason})` : "",
              ),
            ),
          ),
        )
      : null,
  );
}
