// The console's floor, airtime and people panels.

import { liveAirtime } from "./airtime.js";
import { $, button, counted, duration, h, setDisabled } from "./dom.js";
import { showInvitations } from "./invitations.js";
import { run, update } from "./shell.js";
import { awayMark, countdown, personName, ROLES, stageBox } from "./widgets.js";

let shownMode = null;
let shownTimeBox;

/** The floor: holder and countdown, the queue, a round-robin, a 1-2-4-All. */
export function renderFloor(state, live) {
  const { floor } = state;
  const error = $("#floor-error");
  const names = state.participants.map((p) => [p.id, p.name]);
  const key = [floor.holder, floor.queue, floor.next, floor.away, floor.round, floor.structure, names];
  update($("#floor-body"), key, () => {
    const parts = [];
    const holder = floor.holder;
    if (holder) {
      // The turn shown goes with each press: pressed as it ran out, it must not hit the next.
      const turn = { turn_id: holder.id };
      parts.push(
        h(
          "div",
          { class: "holder-box" },
          h(
            "p",
            { class: "big" },
            h("strong", { text: personName(state, holder.participant_id) + awayMark(floor, holder.participant_id) }),
            " has the floor ",
            countdown(holder.deadline, "time left in this turn"),
          ),
          h(
            "div",
            { class: "actions" },
            button("+30 s", () => run(live, "extend_turn", { seconds: 30, ...turn }, error), { key: "extend-30" }),
            button("+60 s", () => run(live, "extend_turn", { seconds: 60, ...turn }, error), { key: "extend-60" }),
            button("End turn", () => run(live, "end_turn", turn, error), { key: "end-turn" }),
            button("Skip", () => run(live, "skip_turn", turn, error), { key: "skip-turn" }),
          ),
        ),
      );
    } else {
      parts.push(h("p", { class: "muted", text: "Nobody has the floor." }));
    }
    if (floor.next) {
      parts.push(h("p", { class: "up-next" }, "Next: ", h("strong", { text: personName(state, floor.next) })));
    }
    if (floor.structure) {
      const everyGroup = (groups) =>
        groups.length > 1
          ? h("ul", { class: "groups" }, groups.map((g) => h("li", { text: g.map((id) => personName(state, id)).join(", ") })))
          : null;
      parts.push(stageBox(floor.structure, everyGroup));
    }
    if (floor.round) {
      const round = floor.round;
      parts.push(
        h("p", { text: `Round-robin${round.purpose ? ` (${round.purpose})` : ""}:` }),
        h(
          "ol",
          { class: "round" },
          round.order.map((id) => {
            const mark = round.passed.includes(id)
              ? " — passed"
              : round.voted.includes(id)
                ? " — voted"
                : round.done.includes(id)
                  ? " — done"
                  : holder && holder.answers_round && holder.participant_id === id
                    ? " — speaking"
                    : awayMark(floor, id);
            return h("li", {
              class: round.done.includes(id) ? "done" : null,
              text: personName(state, id) + mark,
            });
          }),
        ),
      );
    }
    parts.push(h("h3", { text: `Queue (${floor.queue.length}), in the order the floor goes` }));
    if (floor.queue.length) {
      parts.push(
        h(
          "ol",
          { class: "queue" },
          floor.queue.map((id) =>
            h(
              "li",
              {},
              h("span", { text: personName(state, id) + awayMark(floor, id) }),
              " ",
              // Named after the person: a screen reader lists many alike.
              button("Give floor", () => run(live, "grant_floor", { participant_id: id }, error), {
                class: "small",
                key: `grant-${id}`,
                "aria-label": `Give floor to ${personName(state, id)}`,
              }),
              button("Lower hand", () => run(live, "lower_hand", { participant_id: id }, error), {
                class: "small",
                key: `lower-${id}`,
                "aria-label": `Lower hand of ${personName(state, id)}`,
              }),
            ),
          ),
        ),
        button("Give the floor to the next", () => run(live, "grant_floor", {}, error), {
          class: "primary",
          key: "grant-next",
        }),
      );
    } else {
      parts.push(h("p", { class: "muted", text: "No hands raised." }));
    }
    return parts;
  });
  if (floor.mode !== shownMode && document.activeElement !== $("#queue-mode")) {
    $("#queue-mode").value = shownMode = floor.mode;
  }
  if (floor.time_box !== shownTimeBox && document.activeElement !== $("#time-box")) {
    shownTimeBox = floor.time_box;
    $("#time-box").value = floor.time_box === null ? "" : String(floor.time_box);
  }
  setDisabled($("#end-round"), !floor.round);
  setDisabled($("#next-stage"), !floor.structure);
  setDisabled($("#start-124"), !!floor.structure);
}

/** Put back every "Confirm: make … facilitator" to "Hand over", unconfirmed. */
function disarmHandOvers() {
  for (const armed of document.querySelectorAll("button.hand-over[data-armed='1']")) {
    delete armed.dataset.armed;
    armed.textContent = "Hand over";
    armed.setAttribute("aria-label", `Hand over to ${armed.dataset.person}`);
  }
}

/** Airtime per person as bars, who dominates, the Gini, who was not heard: live, the turn
 * under way counted in as it runs (`now`: the server's clock), as the minutes will count it. */
export function renderAirtime(state, now) {
  if (!state.airtime) return;
  const order = state.participants.map((p) => p.id);
  const airtime = liveAirtime(state.airtime, state.floor, now, order);
  const names = state.participants.map((p) => [p.id, p.name]);
  update($("#airtime-body"), [airtime, names], () => {
    const top = Math.max(1, ...airtime.rows.map((r) => r.seconds));
    const rows = airtime.rows.map((row) => {
      const dominant = airtime.dominant.includes(row.participant_id);
      const fill = h("span", { class: "fill" });
      fill.style.width = `${(100 * row.seconds) / top}%`;
      return h(
        "li",
        { class: ["airtime-row", dominant ? "dominant" : null] },
        h("span", { class: "bar-label", text: personName(state, row.participant_id) }),
        h("span", { class: "track", "aria-hidden": "true" }, fill),
        h("span", {
          class: "bar-value",
          text: [
            duration(row.seconds),
            airtime.measured ? `${Math.round(row.share * 100)}%` : null,
            counted(row.turns, "turn"),
            counted(row.proposals, "proposal"),
            counted(row.comments, "comment"),
          ]
            .filter(Boolean)
            .join(" · "),
        }),
        dominant ? h("span", { class: "warning", text: "⚠ dominates the airtime: invite others in" }) : null,
      );
    });
    return [
      rows.length
        ? h("ul", { class: "airtime" }, rows)
        : h("p", { class: "muted", text: "Nobody who takes part has joined yet." }),
      h("p", {
        class: "gini",
        text: airtime.measured
          ? `Gini ${airtime.gini.toFixed(2)} (0 = everyone heard equally)`
          : "Shares and Gini once someone has held the floor for a second or more",
      }),
      airtime.silent.length
        ? h("p", {
            class: "muted",
            text: `Not heard yet: ${airtime.silent.map((id) => personName(state, id)).join(", ")}`,
          })
        : null,
    ];
  });
}

/** Who is here, with decider, floor and hand-over controls. */
export function renderPeople(state, live) {
  const error = $("#people-error");
  // Counted as the room screen counts who joined: people in the room, not the facilitator.
  const room = state.participants.filter((p) => !p.remote && p.role !== "facilitator");
  const present = room.filter((p) => p.present);
  $("#present-count").textContent = `${present.length} of ${counted(room.length, "participant")} here`;
  update($("#people-body"), [state.participants, state.session.decider_id, state.me.id], () =>
    h(
      "ul",
      { class: "people" },
      state.participants.map((person) => {
        const votes = person.role !== "facilitator" && person.role !== "observer" && !person.remote;
        const handOver = button(
          "Hand over",
          (event) => {
            const target = event.currentTarget;
            if (target.dataset.armed !== "1") {
              disarmHandOvers(); // one hand-over waits for its confirmation at a time
              target.dataset.armed = "1";
              target.textContent = `Confirm: make ${person.name} facilitator`;
              target.removeAttribute("aria-label"); // its text says whose now
              return;
            }
            run(live, "hand_over", { participant_id: person.id }, error);
          },
          {
            class: "small hand-over",
            key: `hand-over-${person.id}`,
            "aria-label": `Hand over to ${person.name}`,
            "data-person": person.name,
          },
        );
        return h(
          "li",
          { class: person.present ? "present" : "away" },
          h("span", { class: "dot", "aria-hidden": "true" }),
          h("span", { class: "name", text: person.name }),
          h("span", {
            class: "muted",
            text: ` ${ROLES[person.role] || person.role}${person.remote ? " · by personal link" : person.present ? "" : " (away)"}${state.session.decider_id === person.id ? " · decider" : ""}`,
          }),
          person.id !== state.me.id
            ? h(
                "span",
                { class: "person-tools" },
                votes && state.session.decider_id !== person.id
                  ? button(
                      "Make decider",
                      () => run(live, "delegate_decider", { participant_id: person.id }, error),
                      { class: "small", key: `decider-${person.id}`, "aria-label": `Make ${person.name} decider` },
                    )
                  : null,
                votes
                  ? button(
                      "Give floor",
                      () => run(live, "grant_floor", { participant_id: person.id }, error),
                      { class: "small", key: `floor-${person.id}`, "aria-label": `Give floor to ${person.name}` },
                    )
                  : null,
                person.remote ? newLink(person, live, error) : [newLink(person, live, error), handOver],
              )
            : null,
        );
      }),
    ),
  );
}

/** A new personal link for a remote person, or for someone in the room a link back to their
 * place (their phone went flat, and one name is one person), after a confirming second
 * click: the old link stops working, and the new one is shown (once) with the other links. */
function newLink(person, live, error) {
  return button(
    "New link",
    async (event) => {
      const target = event.currentTarget;
      if (target.dataset.armed !== "1") {
        target.dataset.armed = "1";
        target.textContent = `Confirm: replace ${person.name}'s link`;
        target.removeAttribute("aria-label"); // its text says whose now
        return;
      }
      const ack = await run(live, "reissue_link", { participant_id: person.id }, error);
      if (ack) showInvitations($("#remote-links"), ack.invitations, `New link for ${person.name}`, !person.remote);
    },
    { class: "small", key: `new-link-${person.id}`, "aria-label": `New link for ${person.name}` },
  );
}

/** The floor's fixed controls: queue mode, time-box, round-robin, 1-2-4-All. */
export function wireFloor(live) {
  const error = $("#floor-error");
  const submit = (id, handler) =>
    $(id).addEventListener("submit", (event) => {
      event.preventDefault();
      handler();
    });
  submit("#mode-form", () => run(live, "set_queue_mode", { mode: $("#queue-mode").value }, error));
  submit("#timebox-form", () => {
    const text = $("#time-box").value.trim();
    run(live, "set_time_box", { seconds: text ? Number(text) : null }, error);
  });
  submit("#round-form", () => {
    const purpose = $("#round-purpose").value.trim();
    const fields = { seniors_last: $("#seniors-last").checked, ...(purpose ? { purpose } : {}) };
    run(live, "start_round", fields, error);
  });
  $("#end-round").addEventListener("click", () => run(live, "end_round", {}, error));
  $("#start-124").addEventListener("click", () => run(live, "start_1_2_4_all", {}, error));
  $("#next-stage").addEventListener("click", () => run(live, "next_stage", {}, error));
}
