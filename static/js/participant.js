// The participant view: what is happening now, my turn, my vote, my proposals, the chain.

import { forgetIdentity, loadIdentity, sessionPath, wireDownloads } from "./api.js";
import { resultsView } from "./charts.js";
import { $, announce, button, h, showError } from "./dom.js";
import { shareForm } from "./invitations.js";
import { proposalForm } from "./proposeform.js";
import { chainPanel } from "./review.js";
import { run, send, startLive, update } from "./shell.js";
import { withdrawWithUndo } from "./undo.js";
import { decisionForm, tieDecisionForm, voteForm } from "./voteform.js";
import {
  agendaSteps,
  awayMark,
  closesAt,
  countdown,
  currentBallot,
  goalTitle,
  isLive,
  KINDS,
  PHASE_TIPS,
  PHASES,
  personName,
  proposalBoard,
  proposalCard,
  ROLES,
  RULES,
  stageBox,
  tiedFirst,
  turnoutText,
  voteText,
} from "./widgets.js";

const workshopId = document.body.dataset.workshopId;
const identity = loadIdentity(workshopId);

let live;
let chain;
let propose;
let share;
let handSending = null; // "raise_hand" or "lower_hand" until the server acknowledges it
const notCounted = new Map(); // ballot id → why the server refused a vote sent after it closed

function openBallotFor(state) {
  return state.ballots.find((b) => b.status === "open" && !b.remote && b.electorate.includes(state.me.id));
}

function renderNow(state) {
  const { session, me, floor } = state;
  const tips = [];
  if (me.role === "facilitator") tips.push("You are the facilitator now: open the console.");
  const ballot = openBallotFor(state);
  if (ballot)
    tips.push(
      ballot.my_vote
        ? "You voted. You can change your vote until voting closes."
        : "A ballot is open: cast your vote below.",
    );
  if (floor.holder && floor.holder.participant_id === me.id) tips.push("You have the floor.");
  if (session.texts_hidden)
    tips.push("Texts are hidden: you read your own proposals, and see how many others wrote, until the facilitator reveals them.");
  if (!me.can_propose && !me.can_vote && me.role !== "facilitator")
    tips.push("You are observing: you see everything, but do not propose or vote.");
  // The phase's tip speaks to those who take part: a facilitator runs it from the console.
  if (me.role !== "facilitator") tips.push(PHASE_TIPS[session.phase] || "");
  const step = session.agenda.indexOf(session.phase);
  update($("#now-body"), [session.phase, session.agenda, tips, me], () => [
    h(
      "p",
      { class: "phase" },
      h("span", { class: "phase-label", id: "phase", text: PHASES[session.phase] || session.phase }),
      step >= 0 ? h("span", { class: "muted", text: ` step ${step + 1} of ${session.agenda.length}` }) : null,
    ),
    h(
      "ul",
      { class: "tips" },
      tips.filter(Boolean).map((tip) => h("li", { text: tip })),
    ),
    me.role === "facilitator"
      ? h(
          "p",
          {},
          h("a", { href: sessionPath(workshopId, "facilitator"), class: "button" }, "Open the console"),
        )
      : null,
    agendaSteps(session),
    h(
      "p",
      { class: "muted me" },
      "You are ",
      h("strong", { text: me.name }),
      ` — ${ROLES[me.role] || me.role}${me.is_decider ? ", the decider" : ""}`,
    ),
  ]);
}

function renderFloor(state) {
  const { floor, me } = state;
  const names = state.participants.map((p) => [p.id, p.name]);
  update(
    $("#floor-body"),
    [floor.holder, floor.queue, floor.round, floor.structure, floor.mode, me, names, handSending],
    () => {
      const error = $("#floor-error");
      const sendHand = (name) => async () => {
        handSending = name;
        renderFloor(live.state);
        await run(live, name, {}, error);
        handSending = null;
        renderFloor(live.state);
      };
      const holder = floor.holder;
      const mine = holder && holder.participant_id === me.id;
      const parts = [];
      if (floor.structure) {
        const myGroup = (groups) => {
          const group = groups.find((g) => g.includes(me.id));
          const names = group && group.map((id) => (id === me.id ? "you" : personName(state, id)));
          return group && group.length > 1 ? h("p", { text: `Your group: ${names.join(", ")}` }) : null;
        };
        parts.push(stageBox(floor.structure, myGroup));
      }
      if (mine) {
        parts.push(h("p", { class: "holder" }, h("strong", { text: "You" }), " have the floor (see the bar on top)."));
      } else if (holder) {
        parts.push(
          h(
            "p",
            { class: "holder" },
            h("strong", { text: personName(state, holder.participant_id) }),
            " has the floor ",
            countdown(holder.deadline),
          ),
        );
      } else {
        parts.push(h("p", { class: "muted", text: "Nobody has the floor." }));
      }
      if (floor.round) {
        const left = floor.round.order.filter((id) => !floor.round.done.includes(id));
        parts.push(
          h("p", {
            text: `Round-robin${floor.round.purpose ? ` (${floor.round.purpose})` : ""}: ${left.length} to go.`,
          }),
        );
      }
      if (floor.queue.length) {
        parts.push(
          h("p", {
            class: "muted",
            text:
              floor.mode === "progressive"
                ? "Queue, in the order the floor goes (who has spoken least goes first):"
                : "Queue, in the order the floor goes:",
          }),
          h(
            "ol",
            { class: "queue" },
            floor.queue.map((id) =>
              h("li", {
                class: id === me.id ? "me" : null,
                text: (id === me.id ? "You" : personName(state, id)) + awayMark(floor, id),
              }),
            ),
          ),
        );
      }
      // Offline, a press waits for the connection: the button says so rather than look ignored.
      if (me.can_propose && !mine) {
        parts.push(
          handSending
            ? h("button", { type: "button", "aria-disabled": "true", key: "hand" }, "Waiting to send…")
            : floor.queue.includes(me.id)
              ? h("button", { type: "button", onclick: sendHand("lower_hand"), key: "hand" }, "Lower my hand")
              : h(
                  "button",
                  { type: "button", class: "primary", onclick: sendHand("raise_hand"), key: "hand" },
                  "Raise my hand",
                ),
        );
      }
      return parts;
    },
  );
}

/**
 * The sticky bar on top: "It's your turn" with the countdown and the turn's buttons, or
 * "You're next". It stays in view while the person scrolls or types in a form; the message
 * is an aria-live region, the ticking countdown is not (it would be read every second).
 */
function renderTurnBar(state) {
  const { floor, me } = state;
  const holder = floor.holder;
  const mine = holder && holder.participant_id === me.id;
  const next = !mine && floor.next === me.id;
  const bar = $("#turn-bar");
  bar.className = ["turn-bar", mine ? "on my-turn" : next ? "on up-next" : null].filter(Boolean).join(" ");
  const message = mine ? "It's your turn" : next ? "You're next" : "";
  const text = $("#turn-message");
  if (text.textContent !== message) text.textContent = message;
  const error = $("#floor-error");
  // The turn shown goes with the press: one pressed as it ran out must not end the next one.
  const act = (name) => () => run(live, name, { turn_id: holder.id }, error);
  update($("#turn-tools"), [mine, next, holder], () => {
    if (mine)
      return [
        countdown(holder.deadline, "time left in your turn"),
        h(
          "div",
          { class: "actions" },
          button("End my turn", act("end_turn"), { class: "primary", key: "end-turn" }),
          // A pass answers a round: a turn from the queue, during one, is ended, not passed.
          holder.answers_round ? button("Pass", act("pass_turn"), { key: "pass-turn" }) : null,
        ),
      ];
    if (!next) return [];
    if (!holder) return h("span", { class: "muted", text: "when the facilitator gives the floor" });
    return [
      h("span", { text: `${personName(state, holder.participant_id)} has the floor ` }),
      countdown(holder.deadline, "time left in the current turn"),
    ];
  });
}

async function castVote(ballot, vote) {
  const ack = await send(live, "cast_vote", { ballot_id: ballot.id, vote });
  if (ack.ok) {
    live.ownVote({ ballot_id: ballot.id, vote: ack.vote }); // the ack carries the vote as kept
    notCounted.delete(ballot.id);
    announce("Your vote is in. It stays secret until the reveal.");
    return null;
  }
  const now = live.state.ballots.find((b) => b.id === ballot.id);
  if (now && now.status === "open") return ack.error.message; // its form shows it
  // Voting closed while the vote waited for the connection: its form is gone, so the
  // result says it, rather than the vote vanishing without a word.
  const message = `Your vote was not counted: ${ack.error.message}`;
  notCounted.set(ballot.id, message);
  announce(message);
  renderVote(live.state);
  return null;
}

function renderVote(state) {
  const ballot = currentBallot(state);
  const head = $("#vote-head");
  const body = $("#vote-body");
  const turnout = $("#vote-turnout");
  if (!ballot) {
    // The facilitator never votes: they open ballots from the console.
    // Nor does someone who only observes (an observer, or the facilitator after a hand-over).
    let none = "No ballot yet. When the facilitator opens one, you vote here.";
    if (state.me.role === "facilitator")
      none = "No ballot yet. You open ballots from the console; the facilitator does not vote.";
    else if (!state.me.can_vote)
      none = "No ballot yet. When the facilitator opens one, you see its turnout here, and its result after the reveal.";
    update(head, none, () => h("p", { class: "muted", text: none }));
    update(body, "none", () => []);
    turnout.textContent = "";
    return;
  }
  const titles = ballot.options.map((id) => goalTitle(state, id));
  update(head, [ballot.id, titles, ballot.rule, ballot.rule_reason, ballot.anonymous, ballot.status], () => [
    h(
      "p",
      { class: "ballot-title" },
      h("span", { class: "muted", text: ballot.options.length > 1 ? "Choosing between: " : "Vote on: " }),
      h("strong", { text: titles.join(" · ") }),
    ),
    h(
      "p",
      { class: "rule" },
      h("span", { class: "badge", text: RULES[ballot.rule] || ballot.rule }),
      ballot.anonymous ? h("span", { class: "badge", text: "anonymous" }) : null,
    ),
    ballot.rule_reason ? h("p", { class: "muted", text: `Why this rule: ${ballot.rule_reason}` }) : null,
    ballot.anonymity ? h("p", { class: "note anonymity", text: ballot.anonymity }) : null,
    closesAt(ballot),
  ]);
  turnout.textContent =
    ballot.status === "open" ? turnoutText(ballot) : `${turnoutText(ballot)} · voting closed`;
  const me = state.me;
  const voter = ballot.electorate.includes(me.id);
  update(
    body,
    [
      ballot.id,
      ballot.status,
      ballot.my_vote || null,
      titles,
      voter,
      ballot.result,
      ballot.decision,
      ballot.votes || null,
      ballot.tie_break || null,
      me.is_decider,
      state.participants.map((p) => p.name),
      notCounted.get(ballot.id) || null,
    ],
    () => {
      if (ballot.status === "open") {
        if (!voter)
          return h("p", {
            class: "muted",
            text: me.can_vote
              ? "You are not voting in this ballot: its electorate is who was connected when it opened, or whom the facilitator named. You see the turnout, and the result after the reveal."
              : "You are not in this ballot's electorate: you see the turnout, and the result after the reveal.",
          });
        return voteForm(state, ballot, (vote) => castVote(ballot, vote));
      }
      const mine = ballot.my_vote
        ? h("p", { class: "my-vote", text: `Your vote: ${voteText(state, ballot.my_vote)}` })
        : null;
      const refused = notCounted.has(ballot.id)
        ? h("p", { class: "error not-counted", text: notCounted.get(ballot.id) })
        : null;
      if (ballot.status === "closed") {
        return [
          h("p", { text: "Voting has closed. The facilitator reveals all votes at once." }),
          refused,
          mine,
        ];
      }
      const parts = [refused, resultsView(state, ballot), mine];
      const decide = async (fields) => {
        const ack = await send(live, "record_decision", fields);
        return ack.ok ? null : ack.error.message;
      };
      if (me.is_decider && !ballot.decision) {
        if (ballot.rule === "decider") parts.push(decisionForm(state, ballot, decide));
        if (ballot.tie_break && ballot.tie_break.how === "decider")
          parts.push(tieDecisionForm(state, ballot, tiedFirst(ballot), decide));
      }
      return parts;
    },
  );
}

/** My proposals an objection sent back to me: what was said, and a way straight to amending. */
function toAmendPrompts(state) {
  return state.proposals
    .filter((p) => p.mine && p.status === "to_amend" && p.sent_back)
    .map((p) => {
      const back = p.sent_back;
      return h(
        "div",
        { class: "to-amend", role: "status", "data-proposal-id": p.id },
        h("p", {}, h("strong", { text: `“${p.title}” is back with you to amend.` })),
        h("p", {
          text:
            `${personName(state, back.objector)} objected: “${back.objection}”. ` +
            (back.ruling === null
              ? "Not everyone responded, so the proposal did not pass and the objection was not tested: it stands."
              : `The facilitator ruled that it stands: “${back.ruling}”.`),
        }),
        h("p", {
          class: "muted",
          text: `Revise it to meet the objection; the next round is held by ${(RULES[back.rule] || back.rule).toLowerCase()} again.`,
        }),
        button("Amend it now", () => propose.edit(p), { class: "primary", key: `amend-now-${p.id}` }),
      );
    });
}

/** The author's proposals the facilitator withdrew: gone from the board, said here. */
function withdrawnNotes(state) {
  return state.proposals
    .filter((p) => p.mine && p.status === "withdrawn" && p.withdrawn_by && p.withdrawn_by !== state.me.id)
    .map((p) =>
      h("p", {
        class: "muted withdrawn-note",
        "data-proposal-id": p.id,
        text: `The facilitator withdrew your proposal “${p.title}”.`,
      }),
    );
}

function renderProposals(state) {
  const openIds = state.ballots.filter((b) => b.status === "open").flatMap((b) => b.options);
  const names = state.participants.map((p) => [p.id, p.name]);
  update($("#proposals-body"), [state.proposals, state.chain, names, openIds, state.me.id], () => [
    toAmendPrompts(state),
    withdrawnNotes(state),
    proposalBoard(state, (proposal) => {
      const extra = [];
      if (proposal.mine && isLive(proposal) && !openIds.includes(proposal.id)) {
        extra.push(
          button("Amend", () => propose.edit(proposal), {
            class: "small",
            key: `edit-${proposal.id}`,
            "aria-label": `Amend — ${proposal.title}`,
          }),
        );
        extra.push(...share.buttonFor(proposal));
        extra.push(
          button(
            "Withdraw",
            () => withdrawWithUndo(live, proposal, $("#proposals-notice"), $("#proposals-error")),
            { class: "small", key: `withdraw-${proposal.id}`, "aria-label": `Withdraw — ${proposal.title}` },
          ),
        );
      }
      return proposalCard(state, proposal, extra);
    }),
  ]);
  share.render(state);
  const form = $("#comment-form");
  const live_ = state.proposals.filter((p) => isLive(p) && !p.hidden_text);
  form.hidden = !live_.length || state.me.role === "observer"; // observers only follow
  const select = $("#c-proposal");
  const options = live_.map((p) => [p.id, p.title]);
  const chosen = select.value;
  update(select, options, () => options.map(([id, title]) => h("option", { value: id, text: title })));
  if (options.some(([id]) => id === chosen)) select.value = chosen;
}


function render(state) {
  const { session } = state;
  $("#session-title").textContent =
    `${session.title}${session.product ? ` — ${session.product}` : ""} · ${KINDS[session.kind] || session.kind}`;
  document.title = `${session.title} — Workshop`;
  renderNow(state);
  renderTurnBar(state);
  renderFloor(state);
  renderVote(state);
  propose.render(state);
  renderProposals(state);
  chain.render(state);
}

function refused(message, code) {
  const fatal = $("#fatal");
  // A new link made for this place on another device: joining again under the same name
  // is refused (one person, one name), so the page does not offer it.
  const replaced = code === "link_replaced";
  if (replaced || /token|expired/i.test(message)) forgetIdentity(workshopId);
  const again = replaced ? [] : [" ", h("a", { href: sessionPath(workshopId, "join") }, "Join again")];
  fatal.replaceChildren(document.createTextNode(`Not connected: ${message}.`), ...again);
  fatal.hidden = false;
}

if (!identity) {
  window.location.replace(sessionPath(workshopId, "join"));
} else {
  wireDownloads($("#chain-files"), workshopId, identity.token, $("#chain-files-error"));
  live = startLive({ token: identity.token, render, onRefused: refused });
  propose = proposalForm(live);
  share = shareForm($("#share"), live, { canInvite: false });
  chain = chainPanel(live);
  $("#comment-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("#c-text");
    const error = $("#comment-error");
    if (!text.value.trim()) return showError(error, "Write a comment first.");
    if (await run(live, "comment", { proposal_id: $("#c-proposal").value, text: text.value.trim() }, error)) {
      text.value = "";
      announce("Comment sent");
    }
  });
}
