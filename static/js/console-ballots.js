// The console's ballot panel and proposals board: open, close, reveal, rule on objections.

import { resultsView } from "./charts.js";
import { $, $$, announce, button, focusPanel, h, setDisabled, showError } from "./dom.js";
import { invitedChecklist, inviteesFrom, shareForm, showSent } from "./invitations.js";
import { run, update } from "./shell.js";
import { withdrawWithUndo } from "./undo.js";
import {
  ANONYMOUS_RULES,
  ballotsNewestFirst,
  closesAt,
  goalTitle,
  isLive,
  personName,
  proposalBoard,
  proposalById,
  proposalCard,
  RULES,
  ruleOfVote,
  tiedFirst,
  turnoutText,
  votedTitle,
  YES_NO_RULES,
} from "./widgets.js";

const selected = new Set(); // proposals ticked on the board
const drafts = new Map(); // text typed into forms that re-render, by field key
let share; // the "share for comments" form

function draftInput(key, attrs) {
  const input = h("input", { ...attrs, key, autocomplete: "off" });
  input.value = drafts.get(key) || "";
  input.addEventListener("input", () => drafts.set(key, input.value));
  return input;
}

function rulingForms(state, ballot, live) {
  const waiting = objectionsToRule(ballot);
  if (!waiting.length) return null;
  const error = $("#ballot-error");
  return h(
    "div",
    { class: "rulings" },
    h("h3", { text: "Test each objection with its author" }),
    waiting.map((objection) => {
      const key = `ruling-${ballot.id}-${objection.voter}`;
      const reason = draftInput(key, { id: key, maxlength: "1000" });
      const rule = (stands) => async () => {
        if (!reason.value.trim())
          return showError(error, "Say why the objection stands or is not paramount.");
        if (
          await run(
            live,
            "rule_objection",
            { ballot_id: ballot.id, voter: objection.voter, stands, reason: reason.value.trim() },
            error,
          )
        )
          drafts.delete(key);
      };
      return h(
        "div",
        { class: "ruling" },
        h(
          "p",
          {},
          h("strong", { text: `${personName(state, objection.voter)} objects: ` }),
          objection.reason || "",
        ),
        h("label", { for: key, text: "Your ruling, with its reason" }),
        reason,
        h(
          "div",
          { class: "actions" },
          button("It stands: back to its author to amend", rule(true), { key: `${key}-stands` }),
          button("Not paramount", rule(false), { key: `${key}-out` }),
        ),
      );
    }),
  );
}

const RANKING_RULES = ["dot", "ranked"];

/** A tie for first place: one click for a runoff among the tied, or for the decider. */
function tieControls(state, ballot, live) {
  const tied = tiedFirst(ballot);
  // Settling the options deals with the tie too: the panel would offer a runoff of settled options.
  if (!tied.length || ballot.tie_break || ballot.decision || ballot.settled) return null;
  const error = $("#ballot-error");
  const breakTie = (fields) => run(live, "break_tie", { ballot_id: ballot.id, ...fields }, error);
  const other = RANKING_RULES.find((rule) => rule !== ballot.rule);
  const key = `runoff-reason-${ballot.id}`;
  const reason = draftInput(key, { id: key, maxlength: "1000" });
  const decider = state.session.decider_id;
  return h(
    "div",
    { class: "tie-break" },
    h("h3", { text: `Tie for first place: ${tied.map((id) => votedTitle(state, ballot, id)).join(" and ")}` }),
    h(
      "div",
      { class: "actions" },
      button(`Runoff among the tied (${RULES[ballot.rule]})`, () => breakTie({ how: "runoff" }), {
        class: "primary",
        key: `runoff-${ballot.id}`,
      }),
      decider
        ? button(`Let the decider choose (${personName(state, decider)})`, () => breakTie({ how: "decider" }), {
            key: `to-decider-${ballot.id}`,
          })
        : h("span", { class: "muted", text: "No decider: no product person joined and none was named." }),
    ),
    h(
      "details",
      { class: "runoff-other" },
      h("summary", { text: `Or a runoff by ${RULES[other].toLowerCase()}…` }),
      h("label", { for: key, text: `Why ${RULES[other].toLowerCase()} for the runoff?` }),
      reason,
      button(
        `Runoff by ${RULES[other].toLowerCase()}`,
        async () => {
          if (!reason.value.trim())
            return showError(error, `Say why the runoff uses ${RULES[other].toLowerCase()}: it goes into the minutes.`);
          const fields = { how: "runoff", rule: other, rule_reason: reason.value.trim() };
          if (await breakTie(fields)) drafts.delete(key);
        },
        { key: `runoff-other-${ballot.id}` },
      ),
    ),
  );
}

/** Whether a ballot ranks its options (dot, ranked, or a decider advised by either). */
const ranks = (ballot) => RANKING_RULES.includes(ruleOfVote(ballot));

/** The winner a dot or ranked ballot takes forward: its own, the decider's pick, or its runoff's. */
function winnerOf(state, ballot) {
  const winner = ballot.result && ballot.result.winner;
  const runoff = ballot.tie_break && ballot.tie_break.ballot_id;
  if (winner || !runoff) return winner || null;
  const next = state.ballots.find((b) => b.id === runoff);
  return next ? winnerOf(state, next) : null;
}

/** Options of a dot or ranked ballot still waiting to be settled (all but the winner); a
 * runoff's are settled with the tied ballot it came from. */
function unsettled(state, ballot) {
  if (!ranks(ballot) || ballot.status !== "revealed") return [];
  if (ballot.settled || ballot.runoff_of) return [];
  if (ballot.rule === "decider" && !ballot.decision) return []; // the decider chooses first
  const winner = winnerOf(state, ballot);
  return ballot.options.filter((id) => id !== winner && isLive(proposalById(state, id) || {}));
}

/** After dot or ranked: keep the winner (or the ticked), park or reject the rest, move their children. */
function settleForm(state, ballot, live) {
  if (!unsettled(state, ballot).length) return null;
  // Its refusal beside its button, not at the foot of the panel under the chart and votes.
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const winner = winnerOf(state, ballot);
  const id = (what) => `settle-${what}-${ballot.id}`;
  const open = ballot.options.filter((option) => isLive(proposalById(state, option) || {}));
  const go = h("button", { type: "submit", class: "primary", key: id("go") }, "Settle in one step");
  const note = h("p", {
    class: "settle-note",
    hidden: true,
    text:
      "Taking every option forward leaves nothing to settle: they all stay on the board. " +
      "To choose between them, hold a runoff or let the decider choose; to keep them all, " +
      "put each to a ballot of its own.",
  });
  // Ticking every option leaves the server nothing to settle: say so before the press.
  const allTicked = () => {
    const ticked = keeps.map((label) => label.querySelector("input")).filter((box) => box.checked);
    const all = open.every((option) => ticked.some((box) => box.value === option));
    note.hidden = !all;
    setDisabled(go, all);
    offerTargets(ticked.map((box) => box.value));
  };
  // The proposals serving the options move to one taken forward: offered a parked one,
  // the facilitator got a refusal naming an API field.
  const offerTargets = (kept) => {
    const chosen = target.value;
    target.replaceChildren(...kept.map((option) => h("option", { value: option, text: goalTitle(state, option) })));
    if (kept.includes(chosen)) target.value = chosen;
  };
  const keeps = ballot.options.map((option) =>
    h(
      "label",
      { class: "choice" },
      h("input", {
        type: "checkbox",
        value: option,
        checked: option === winner,
        key: id(`keep-${option}`),
        onchange: () => allTicked(),
      }),
      h("span", { text: goalTitle(state, option) }),
    ),
  );
  const how = h(
    "select",
    { id: id("others") },
    h("option", { value: "park", text: "park them (they may come back later)" }),
    h("option", { value: "reject", text: "reject them" }),
  );
  const serving = state.proposals.filter(
    (p) => isLive(p) && !ballot.options.includes(p.id) && (p.parents || []).some((x) => ballot.options.includes(x)),
  );
  const target = h("select", { id: id("to") });
  offerTargets(winner ? [winner] : []);
  const settle = async () => {
    const keep = keeps.map((label) => label.querySelector("input")).filter((box) => box.checked);
    if (!keep.length) return showError(error, "Tick the options to take forward: the others are settled.");
    const fields = { ballot_id: ballot.id, others: how.value, keep: keep.map((box) => box.value) };
    if (serving.length) fields.reparent_to = target.value;
    if (await run(live, "settle_ballot", fields, error)) announce("The other options are settled");
  };
  return h(
    "form",
    { class: "settle", novalidate: true, onsubmit: (event) => (event.preventDefault(), settle()) },
    h("h3", { text: "Settle the other options" }),
    h("fieldset", { class: "keep" }, h("legend", { text: "Take forward" }), keeps),
    note,
    h("label", { for: id("others"), text: "The others:" }),
    how,
    serving.length
      ? [
          h("p", {
            class: "muted",
            text: `Proposals serving them: ${serving.map((p) => p.title).join(", ")}.`,
          }),
          h("label", { for: id("to"), text: "They serve from now on" }),
          target,
        ]
      : null,
    error,
    h("div", { class: "actions" }, go),
  );
}

/** Who votes in a remote ballot: "2 by link and 3 in the room". */
function remoteElectorate(state, ballot) {
  const byLink = ballot.electorate.filter((id) => state.participants.some((p) => p.id === id && p.remote));
  const room = ballot.electorate.length - byLink.length;
  return `${byLink.length} by link${room ? ` and ${room} in the room` : ""}`;
}

function ballotCard(state, ballot, live, turnoutId) {
  const error = $("#ballot-error");
  const titles = ballot.options.map((id) => votedTitle(state, ballot, id));
  const named = `${ballot.remote ? "remote ballot" : "ballot"} on ${titles.join(", ")}`;
  const parts = [
    h("p", { class: "ballot-title" }, h("strong", { text: titles.join(" · ") })),
    h(
      "p",
      { class: "rule" },
      h("span", { class: "badge", text: RULES[ballot.rule] || ballot.rule }),
      ballot.remote ? h("span", { class: "badge remote", text: `remote: ${remoteElectorate(state, ballot)}` }) : null,
      ballot.anonymous ? h("span", { class: "badge", text: "anonymous" }) : null,
      h("span", { class: "badge", text: ballot.status }),
    ),
    ballot.rule_reason ? h("p", { class: "muted", text: `Rule changed: ${ballot.rule_reason}` }) : null,
    h("p", { class: "turnout", id: turnoutId, text: turnoutText(ballot) }),
    closesAt(ballot),
  ];
  if (ballot.status === "open") {
    const waiting = ballot.not_voted || [];
    parts.push(
      waiting.length
        ? h(
            "p",
            { class: "not-voted" },
            h("span", { class: "muted", text: "Not voted yet: " }),
            waiting.map((id) => personName(state, id)).join(", "),
          )
        : h("p", { class: "not-voted", text: "Everyone has voted." }),
      h(
        "div",
        { class: "actions" },
        // Named by what they close: a remote ballot's pair sits beside the room's.
        button(
          "Close and reveal",
          () => run(live, "close_ballot", { ballot_id: ballot.id, reveal: true }, error),
          { class: "primary", key: `close-reveal-${ballot.id}`, "aria-label": `Close and reveal — ${named}` },
        ),
        button("Close", () => run(live, "close_ballot", { ballot_id: ballot.id }, error), {
          key: `close-${ballot.id}`,
          "aria-label": `Close — ${named}`,
        }),
      ),
    );
  } else if (ballot.status === "closed") {
    parts.push(
      button("Reveal all votes", () => run(live, "reveal_ballot", { ballot_id: ballot.id }, error), {
        class: "primary",
        key: `reveal-${ballot.id}`,
        "aria-label": `Reveal all votes — ${named}`,
      }),
    );
  } else {
    // What waits for the facilitator first, then the result: below the chart and its
    // reasons, the ruling on an objection or the settling after a runoff lay a screen or
    // two down a laptop's window.
    parts.push(
      rulingForms(state, ballot, live),
      tieControls(state, ballot, live),
      settleForm(state, ballot, live),
      resultsView(state, ballot),
    );
  }
  return h(
    "article",
    { class: ["ballot-card", ballot.remote ? "remote" : null], "data-ballot-id": ballot.id },
    parts,
  );
}

/**
 * Still wants the facilitator (or the decider): not revealed, objections or a decision due,
 * a tie to break or other options to settle.
 */
function pending(state, ballot) {
  if (ballot.status !== "revealed") return true;
  if (ballot.rule === "decider" && !ballot.decision) return true;
  if (ranks(ballot)) return unsettled(state, ballot).length > 0;
  return objectionsToRule(ballot).length > 0;
}

/** The objections of a revealed consent ballot still waiting for the facilitator's ruling:
 * those the result awaits (`awaiting_ruling`). One that no ruling could change (a response
 * was missing, or another objection stood) is never due: it asked for a ruling for good. */
function objectionsToRule(ballot) {
  if (ballot.rule !== "consent" || !ballot.result) return [];
  const awaited = ballot.result.awaiting_ruling || [];
  return (ballot.result.objections || []).filter((o) => awaited.includes(o.voter));
}

/** What a pending ballot waits for, and whether the facilitator is the one to act. */
function waitingFor(state, ballot) {
  if (ballot.status === "open") return { mine: false, what: ["voting is open"] };
  if (ballot.status === "closed") return { mine: true, what: ["votes to reveal"] };
  const deciding = ballot.rule === "decider" || (ballot.tie_break && ballot.tie_break.how === "decider");
  if (deciding && !ballot.decision) return { mine: false, what: ["the decider's decision"] };
  const what = [];
  if (tiedFirst(ballot).length && !ballot.tie_break && !ballot.settled) what.push("a tie to break");
  if (unsettled(state, ballot).length) what.push("options to settle");
  if (objectionsToRule(ballot).length) what.push("objections to rule on");
  return { mine: true, what };
}

/**
 * The ballots on the panel: the room's current one (open, else its latest, with the tied
 * ballot it is the runoff of) and the latest remote one in full; every other one still pending folded, saying what it waits for;
 * remote ballots run beside the room's.
 */
function ballotsInView(state) {
  const all = ballotsNewestFirst(state);
  const room = all.find((b) => !b.remote && b.status === "open") || all.find((b) => !b.remote);
  const remote = all.find((b) => b.remote);
  const shown = all.filter((b) => b === room || b === remote || pending(state, b));
  // A runoff's options are settled on the tied ballot it came from: that one is current too.
  const tied = room && room.runoff_of && all.find((b) => b.id === room.runoff_of);
  const current = [room, tied, remote].filter(Boolean);
  return { room, current, shown, earlier: all.filter((b) => !shown.includes(b)) };
}

const unfolded = new Set(); // ballots whose fold the facilitator opened, kept across redraws

/** A pending ballot that is not the current one: one line saying what it needs, then the card. */
function ballotFold(state, ballot, live) {
  const { mine, what } = waitingFor(state, ballot);
  const titles = ballot.options.map((id) => votedTitle(state, ballot, id)).join(" · ");
  return h(
    "details",
    {
      class: ["ballot-fold", mine ? "needs-you" : null],
      "data-ballot-id": ballot.id,
      open: unfolded.has(ballot.id),
      ontoggle: (event) => (event.target.open ? unfolded.add(ballot.id) : unfolded.delete(ballot.id)),
    },
    h(
      "summary",
      {},
      h("strong", { class: "flag", text: mine ? "Needs you:" : "Waiting:" }),
      ` ${titles} — ${RULES[ballot.rule] || ballot.rule}${what.length ? `: ${what.join(", ")}` : ""}`,
    ),
    ballotCard(state, ballot, live, null),
  );
}

const broughtIntoView = new Set(); // the keys of the due actions shown once: then it is yours to scroll

/** Bring a ruling or a tie's runoff into view when it becomes due: on a 1366×768 laptop its
 * buttons lay just below the fold, and nothing said that something waited for the
 * facilitator. Once only (the facilitator may scroll away), and never while they type
 * elsewhere: the field they write in stays where it is. */
function showWhatIsDue() {
  const typing = document.activeElement && document.activeElement.matches("input, textarea, select");
  const elsewhere = typing && !$("#ballot").contains(document.activeElement);
  for (const actions of $$("#ballot-body .ballot-card > .rulings .actions, #ballot-body .ballot-card > .tie-break > .actions")) {
    const key = actions.querySelector("[data-key]").dataset.key;
    if (broughtIntoView.has(key) || elsewhere) continue;
    broughtIntoView.add(key);
    const box = actions.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) actions.scrollIntoView({ block: "nearest" });
    return; // the first one due; the others follow it in the card
  }
}

/** The ballots: turnout, who has not voted, deadlines, close and reveal, results, rulings. */
export function renderBallot(state, live) {
  const { room, current, shown, earlier } = ballotsInView(state);
  const inRoom = shown.filter((b) => !b.remote);
  const remote = shown.filter((b) => b.remote);
  const card = (b) =>
    current.includes(b) ? ballotCard(state, b, live, b === room ? "turnout" : null) : ballotFold(state, b, live);
  const names = state.participants.map((p) => [p.id, p.name]);
  const titles = state.proposals.map((p) => [p.id, p.title, p.status, p.parents]);
  update(
    $("#ballot-body"),
    [shown, earlier.map((b) => [b.id, b.status, b.result && b.result.passed]), names, titles],
    () => [
      inRoom.length
        ? inRoom.map(card)
        : h("p", { class: "muted", text: "No ballot in the room yet. Select proposals to open one." }),
      remote.length
        ? h(
            "section",
            { class: "remote-ballots", "aria-labelledby": "remote-ballots-h" },
            h("h3", { id: "remote-ballots-h", text: "Remote ballots" }),
            remote.map(card),
          )
        : null,
      earlier.length
        ? h(
            "details",
            { class: "history" },
            h("summary", { text: `Earlier ballots (${earlier.length})` }),
            h(
              "ul",
              {},
              earlier.map((b) =>
                h("li", {
                  text: `${b.options.map((id) => votedTitle(state, b, id)).join(", ")} — ${RULES[b.rule]}${b.remote ? " (remote)" : ""}, ${b.status}${b.result && b.result.passed !== null ? (b.result.passed ? ", passed" : ", not passed") : ""}`,
                }),
              ),
            ),
          )
        : null,
    ],
  );
  showWhatIsDue();
}

function selectedProposals(state) {
  return state.proposals.filter((p) => selected.has(p.id) && isLive(p));
}

/** The quorum of a majority vote, as a percent of the electorate (the server's default: half). */
function quorumField() {
  const input = h("input", { type: "number", id: "quorum", min: "0", max: "100", step: "1", inputmode: "numeric" });
  input.value = "50";
  return [h("label", { for: "quorum", text: "Quorum (% of the voters who must vote)" }), input];
}

function settingsFields(rule, count) {
  if (rule === "majority") {
    return [
      quorumField(),
      h(
        "label",
        { class: "choice" },
        h("input", { type: "checkbox", id: "supermajority" }),
        h("span", { text: "Two-thirds majority" }),
      ),
    ];
  }
  if (rule === "dot") {
    const fallback = Math.max(1, Math.ceil(count / 3)); // the server's default, shown
    const dots = h("input", { type: "number", id: "dots", min: "1", max: "100", step: "1", inputmode: "numeric" });
    const most = h("input", { type: "number", id: "max-per-option", min: "1", max: "100", step: "1", inputmode: "numeric" });
    dots.value = most.value = String(fallback);
    let mostEdited = false; // until edited, the limit per proposal follows the budget
    most.addEventListener("input", () => (mostEdited = true));
    dots.addEventListener("input", () => {
      if (!mostEdited) most.value = dots.value;
    });
    return [
      h("label", { for: "dots", text: "Dots per person" }),
      dots,
      h("label", { for: "max-per-option", text: "At most on one proposal" }),
      most,
      h("p", {
        class: "muted",
        id: "dot-defaults",
        text: `Default for ${count} proposals: ${fallback} ${fallback === 1 ? "dot" : "dots"} each, all of them allowed on one proposal.`,
      }),
    ];
  }
  if (rule === "decider") {
    // On one proposal the advice says yes or no; on several it ranks them, and the decider
    // chooses the one that goes forward.
    const ranking = (key) => key === "dot" || key === "ranked";
    const select = h(
      "select",
      { id: "advisory-rule" },
      Object.entries(RULES)
        .filter(([key]) => key !== "decider" && ranking(key) === count > 1)
        .map(([key, label]) => h("option", { value: key, text: label })),
    );
    select.value = count > 1 ? "ranked" : "consent";
    const quorum = h("div", { id: "advice-quorum" }); // majority advice has a quorum too
    select.addEventListener("change", () => {
      quorum.replaceChildren(...(select.value === "majority" ? quorumField() : []));
      $("#consent-order-row").hidden = !consentRound();
    });
    return [h("label", { for: "advisory-rule", text: "Advice taken by" }), select, quorum];
  }
  return [];
}

let toolsKey = null;
let settingsFor = null; // how many proposals the settings fields were made for

function renderTools(state) {
  const chosen = selectedProposals(state);
  const level = chosen.length ? chosen[0].level : null;
  const mixed = chosen.some((p) => p.level !== level);
  const summary = $("#selection");
  summary.textContent = chosen.length
    ? `Selected: ${chosen.map((p) => p.title).join(" · ")}${mixed ? " — choose proposals of one level" : ""}`
    : "Select proposals to open a ballot, send them to remote stakeholders or merge them.";
  const form = $("#open-form");
  form.hidden = !chosen.length || mixed;
  $("#remote-box").hidden = form.hidden;
  const remote = state.participants.filter((person) => person.remote);
  $("#remote-known-box").hidden = !remote.length;
  update($("#remote-known"), remote.map((person) => [person.id, person.name]), () =>
    invitedChecklist(remote, "voter", ""),
  );
  const rule = $("#rule");
  const fallback = defaultRule(state, chosen);
  const kept = chosen.some((p) => p.sent_back && p.sent_back.rule === fallback);
  const key = JSON.stringify([level, fallback, chosen.length > 1, kept]);
  if (key !== toolsKey) {
    toolsKey = key;
    rule.replaceChildren(
      ...Object.entries(RULES).map(([value, label]) =>
        // A yes/no rule is no default for several proposals: it decides one.
        h("option", {
          value,
          text:
            value === fallback && !(chosen.length > 1 && YES_NO_RULES.includes(value))
              ? `${label} (${kept ? "as in the first round" : "default here"})`
              : label,
        }),
      ),
    );
    rule.value = chosen.length > 1 && YES_NO_RULES.includes(fallback) && fallback !== "decider" ? "dot" : fallback;
    ruleChanged(state);
  } else if (settingsFor !== chosen.length) {
    ruleChanged(state); // the dot defaults depend on how many proposals are chosen
  }
  const merge = $("#merge-form");
  merge.hidden = chosen.length < 2 || mixed;
  const into = $("#merge-into");
  const keep = into.value;
  update(
    into,
    chosen.map((p) => [p.id, p.title]),
    () => chosen.map((p) => h("option", { value: p.id, text: p.title })),
  );
  if (chosen.some((p) => p.id === keep)) into.value = keep;
  setDisabled($("#reveal-authors"), state.session.authors_revealed);
  const hiding = state.session.texts_hidden;
  $("#hide-texts").hidden = hiding;
  setDisabled($("#hide-texts"), !["check_in", "propose"].includes(state.session.phase));
  $("#reveal-texts").hidden = !hiding;
  $("#texts-note").textContent = hiding
    ? "The texts are hidden from the room: each person reads only their own proposals until you reveal them."
    : "Against anchoring: each person reads only their own proposals until you reveal the texts (moving on from the silent phase reveals them too).";
  setDisabled($("#clear-selection"), !selected.size);
}

/** The rule a ballot on these proposals takes unless told otherwise (the server says). */
function defaultRule(state, chosen) {
  if (!chosen.length) return "unanimity";
  return chosen[0].default_rule || state.session.default_rules[chosen[0].level];
}

function ruleChanged(state) {
  const chosen = selectedProposals(state);
  const rule = $("#rule").value;
  const fallback = chosen.length ? defaultRule(state, chosen) : rule;
  $("#reason-row").hidden = rule === fallback;
  const anonymous = $("#anonymous");
  setDisabled(anonymous, !ANONYMOUS_RULES.includes(rule));
  if (anonymous.disabled) anonymous.checked = false;
  $("#settings-row").replaceChildren(...[settingsFields(rule, chosen.length)].flat(Infinity));
  settingsFor = chosen.length;
  $("#consent-order-row").hidden = !consentRound();
  $("#remote-rule").textContent = `They vote by ${(RULES[rule] || rule).toLowerCase()}, as chosen above.`;
}

/** Whether the ballot on the form runs a consent round (consent, or a decider's consent advice). */
function consentRound() {
  const rule = $("#rule").value;
  const advice = $("#advisory-rule");
  return rule === "consent" || (rule === "decider" && advice !== null && advice.value === "consent");
}

/** The ballot's proposals, rule, reason and settings from the form, or null after saying what is missing. */
function ballotFields(state, error) {
  const chosen = selectedProposals(state);
  const rule = $("#rule").value;
  const fields = { proposal_ids: chosen.map((p) => p.id), rule, anonymous: $("#anonymous").checked };
  if (consentRound()) fields.seniors_last = $("#consent-seniors-last").checked;
  const reason = $("#rule-reason").value.trim();
  if (!$("#reason-row").hidden) {
    if (!reason) {
      showError(error, `Say why ${RULES[rule]} replaces the default rule: it goes into the minutes.`);
      $("#rule-reason").focus();
      return null;
    }
    fields.rule_reason = reason;
  }
  if (rule === "dot") {
    const settings = dotSettings(error);
    if (!settings) return null;
    fields.settings = settings;
  }
  if (rule === "majority") fields.settings = { supermajority: $("#supermajority").checked };
  if (rule === "decider") fields.settings = { advisory_rule: $("#advisory-rule").value };
  if ($("#quorum")) {
    const quorum = quorumShare(error);
    if (quorum === null) return null;
    fields.settings.quorum = quorum;
  }
  return fields;
}

/** The quorum field's percent as a share (0 to 1), or null after saying what is wrong. */
function quorumShare(error) {
  const text = $("#quorum").value.trim();
  const percent = Number(text);
  if (!text || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    $("#quorum").focus();
    showError(error, "Quorum: give the share of the voters who must vote, from 0 to 100 %.");
    return null;
  }
  return percent / 100;
}

/** Dots per person and at most per proposal from the form, or null after saying what is wrong. */
function dotSettings(error) {
  const dots = Number($("#dots").value);
  const most = Number($("#max-per-option").value);
  if (!$("#dots").value.trim() || !Number.isInteger(dots) || dots < 1 || dots > 100) {
    $("#dots").focus();
    showError(error, "Dots per person: give a whole number from 1 to 100.");
    return null;
  }
  if (!$("#max-per-option").value.trim() || !Number.isInteger(most) || most < 1 || most > dots) {
    $("#max-per-option").focus();
    showError(error, `At most on one proposal: give a whole number from 1 to ${dots}, the dots each person has.`);
    return null;
  }
  return { dots, max_per_option: most };
}

/** Seconds until a remote ballot closes, from the hours and minutes fields. */
function remoteDeadline() {
  const hours = Number($("#remote-hours").value || 0);
  const minutes = Number($("#remote-minutes").value || 0);
  if (!Number.isInteger(hours) || !Number.isInteger(minutes) || hours < 0 || minutes < 0) return 0;
  return hours * 3600 + minutes * 60;
}

/** The proposals board, with selection for a ballot or a merge. */
export function renderBoard(state, live) {
  const error = $("#board-error");
  const openIds = state.ballots.filter((b) => b.status === "open").flatMap((b) => b.options);
  const names = state.participants.map((p) => [p.id, p.name]);
  for (const id of [...selected]) {
    const p = state.proposals.find((x) => x.id === id);
    if (!p || !isLive(p)) selected.delete(id);
  }
  update($("#board-body"), [state.proposals, state.chain, names, openIds, [...selected]], () =>
    proposalBoard(state, (proposal) => {
      const extra = [];
      if (isLive(proposal)) {
        extra.push(
          h(
            "label",
            { class: "choice select" },
            h("input", {
              type: "checkbox",
              checked: selected.has(proposal.id),
              key: `select-${proposal.id}`,
              "aria-label": `Select ${proposal.title}`,
              onchange: (event) => {
                if (event.target.checked) selected.add(proposal.id);
                else selected.delete(proposal.id);
                renderTools(live.state);
              },
            }),
            h("span", { text: "Select" }),
          ),
        );
        if (!openIds.includes(proposal.id)) {
          extra.push(
            button("Withdraw", () => withdrawWithUndo(live, proposal, $("#board-notice"), error), {
              class: "small",
              key: `withdraw-${proposal.id}`,
              "aria-label": `Withdraw — ${proposal.title}`,
            }),
          );
          extra.push(...share.buttonFor(proposal));
        }
      }
      if (openIds.includes(proposal.id)) extra.push(h("span", { class: "badge", text: "being voted on" }));
      return proposalCard(state, proposal, extra);
    }),
  );
  renderTools(state);
  share.render(state);
}

/** The board's fixed controls: open a ballot, merge, reveal authors, clear the selection. */
export function wireBoard(live) {
  const error = $("#board-error");
  const submit = (id, handler) =>
    $(id).addEventListener("submit", (event) => {
      event.preventDefault();
      handler();
    });
  $("#reveal-authors").addEventListener("click", () => run(live, "reveal_authors", {}, error));
  $("#hide-texts").addEventListener("click", () => run(live, "hide_texts", {}, error));
  $("#reveal-texts").addEventListener("click", () => run(live, "reveal_texts", {}, error));
  $("#clear-selection").addEventListener("click", () => {
    selected.clear();
    renderBoard(live.state, live);
  });
  $("#rule").addEventListener("change", () => ruleChanged(live.state));
  const opened = (what) => {
    // The next ballot starts from the defaults: an anonymous tick is a choice for one ballot.
    selected.clear();
    $("#rule-reason").value = "";
    $("#anonymous").checked = false;
    announce(what);
  };
  submit("#open-form", async () => {
    const fields = ballotFields(live.state, error);
    if (fields && (await run(live, "open_ballot", fields, error))) {
      opened("Ballot opened");
      $("#ballot").scrollIntoView({ block: "nearest" });
      focusPanel($("#ballot-body")); // the form is gone: the keyboard goes on at the ballot
    }
  });
  submit("#remote-form", async () => {
    const remoteError = $("#remote-error");
    const fields = ballotFields(live.state, remoteError);
    if (!fields) return;
    const remote = live.state.participants.filter((person) => person.remote);
    const voters = inviteesFrom($("#remote-known"), "voter", $("#remote-names").value, remote);
    if (!voters.length) {
      $("#remote-names").focus();
      return showError(remoteError, "Tick a remote voter or name one, one per line.");
    }
    const seconds = remoteDeadline();
    if (!seconds) {
      $("#remote-hours").focus();
      return showError(remoteError, "Give the voting time in whole hours and minutes, at least a minute.");
    }
    const sent = { voters, deadline_seconds: seconds, include_room: $("#include-room").checked };
    const ack = await run(live, "send_remote_ballot", { ...fields, ...sent }, remoteError);
    if (!ack) return;
    opened("Remote ballot sent");
    $("#remote-names").value = "";
    for (const box of $("#remote-known").querySelectorAll("input")) box.checked = false;
    $("#remote-box").open = false;
    const titles = fields.proposal_ids.map((id) => goalTitle(live.state, id)).join(" · ");
    showSent(
      $("#remote-links"),
      ack.invitations || [],
      `Voting links for “${titles}”`,
      `Sent “${titles}”: the voters vote by the links they already have.`,
    );
  });
  share = shareForm($("#share"), live, { canInvite: true });
  submit("#merge-form", async () => {
    const into = $("#merge-into").value;
    const merge = selectedProposals(live.state)
      .map((p) => p.id)
      .filter((id) => id !== into);
    if (await run(live, "merge_proposals", { into, merge }, error)) selected.clear();
  });
}
