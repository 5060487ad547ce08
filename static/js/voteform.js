// Each rule's own voting form, filled in with my current vote; and the decider's form.

import { announce, h, markBusy, showError } from "./dom.js";
import { choiceLabel, goalTitle, ruleOfVote, voteText } from "./widgets.js";

const CHOICES = {
  unanimity: [
    ["agree", "disagree", "abstain"],
    "Unanimity: it passes only if everyone agrees; abstaining counts as not agreeing.",
  ],
  majority: [
    ["agree", "disagree", "abstain"],
    "Majority: abstentions count toward the quorum, not for or against.",
  ],
  consent: [
    ["consent", "concern", "objection"],
    "Consent: object only if it would harm the aim (not a preference); an objection needs a reason.",
  ],
};

function choiceFields(choices, mine, help) {
  const fieldset = h(
    "fieldset",
    { class: "choices" },
    h("legend", { text: "Your vote" }),
    h("p", { class: "muted", text: help }),
    choices.map((choice) =>
      h(
        "label",
        { class: ["choice", "big", `choice-${choice}`] },
        h("input", {
          type: "radio",
          name: "choice",
          value: choice,
          checked: !!mine && mine.choice === choice,
          key: `choice-${choice}`,
        }),
        h("span", { text: choiceLabel(choice) }),
      ),
    ),
  );
  const read = () => {
    const picked = fieldset.querySelector("input[name=choice]:checked");
    return picked ? { choice: picked.value } : { error: "Pick one of the choices." };
  };
  return [fieldset, read];
}

function fistFields(mine) {
  const fieldset = h(
    "fieldset",
    { class: "fist" },
    h("legend", { text: "Fist of five: how much do you support it?" }),
    h("p", {
      class: "muted",
      text: "0 blocks it, 3 is enough to go ahead, 5 is full support. Below 3 you get the floor first.",
    }),
    h(
      "div",
      { class: "fist-row" },
      [0, 1, 2, 3, 4, 5].map((value) =>
        h(
          "label",
          { class: "choice big" },
          h("input", {
            type: "radio",
            name: "fist",
            value: String(value),
            checked: !!mine && mine.value === value,
            key: `fist-${value}`,
          }),
          h("span", { text: String(value) }),
        ),
      ),
    ),
  );
  const read = () => {
    const picked = fieldset.querySelector("input[name=fist]:checked");
    return picked ? { value: Number(picked.value) } : { error: "Pick a number from 0 to 5." };
  };
  return [fieldset, read];
}

function dotFields(state, ballot, mine) {
  const budget = ballot.settings.dots;
  const most = ballot.settings.max_per_option;
  const given = (mine && mine.dots) || {};
  const left = h("p", { class: "dots-left", "aria-live": "polite" });
  const inputs = [];
  const refresh = () => {
    const spent = inputs.reduce((sum, input) => sum + (Number(input.value) || 0), 0);
    left.textContent = `Dots left: ${budget - spent} of ${budget} (at most ${most} on one proposal)`;
    left.classList.toggle("over", spent > budget);
  };
  const rows = ballot.options.map((id) => {
    const title = goalTitle(state, id);
    const input = h("input", {
      type: "number",
      id: `dots-${id}`,
      min: "0",
      max: String(most),
      step: "1",
      inputmode: "numeric",
      value: String(given[id] || 0),
      oninput: refresh,
      key: `dots-${id}`,
    });
    inputs.push(input);
    const nudge = (by) => () => {
      input.value = String(Math.min(most, Math.max(0, (Number(input.value) || 0) + by)));
      input.dispatchEvent(new Event("input", { bubbles: true })); // as if typed: the form hears it
    };
    return h(
      "div",
      { class: "dot-row" },
      h("label", { for: `dots-${id}`, text: title }),
      h(
        "button",
        {
          type: "button",
          class: "small",
          onclick: nudge(-1),
          "aria-label": `One dot less on ${title}`,
          key: `less-${id}`,
        },
        "−",
      ),
      input,
      h(
        "button",
        {
          type: "button",
          class: "small",
          onclick: nudge(1),
          "aria-label": `One dot more on ${title}`,
          key: `more-${id}`,
        },
        "+",
      ),
    );
  });
  refresh();
  const fieldset = h("fieldset", { class: "dots" }, h("legend", { text: "Spread your dots" }), left, rows);
  const read = () => {
    const dots = {};
    let spent = 0;
    for (const [index, id] of ballot.options.entries()) {
      const n = Number(inputs[index].value) || 0;
      if (!Number.isInteger(n) || n < 0 || n > most) {
        inputs[index].focus();
        return { error: `“${goalTitle(state, id)}”: put a whole number of dots from 0 to ${most} on it.` };
      }
      if (n) dots[id] = n;
      spent += n;
    }
    if (spent > budget) return { error: `You spent ${spent} dots; the budget is ${budget}.` };
    if (spent) return { dots };
    return { dots, ask: ["Submit an empty vote", "You have placed no dots: submit an empty vote?"] };
  };
  return [fieldset, read];
}

function rankFields(state, ballot, mine) {
  const start = mine && mine.ranking ? [...mine.ranking] : [];
  for (const id of ballot.options) if (!start.includes(id)) start.push(id);
  const list = h("ol", { class: "ranking", "aria-label": "Your ranking, best first" });
  let dragged = null;
  const order = () => [...list.children].map((li) => li.dataset.option);
  const renumber = () => {
    list.dispatchEvent(new Event("input", { bubbles: true })); // a question asked is void
    const items = [...list.children];
    items.forEach((li, index) => {
      li.querySelector(".up").disabled = index === 0;
      li.querySelector(".down").disabled = index === items.length - 1;
    });
  };
  const move = (li, by, button) => {
    const items = [...list.children];
    const to = items.indexOf(li) + by;
    if (to < 0 || to >= items.length) return;
    if (by < 0) list.insertBefore(li, items[to]);
    else list.insertBefore(li, items[to].nextSibling);
    renumber();
    button.focus(); // keep the keyboard where it was
    if (button.disabled) li.querySelector(by < 0 ? ".down" : ".up").focus();
    announce(`${li.querySelector(".rank-title").textContent}: place ${to + 1} of ${items.length}`);
  };
  for (const id of start) {
    const title = goalTitle(state, id);
    const li = h("li", { class: "rank-item", draggable: "true", "data-option": id });
    const up = h(
      "button",
      { type: "button", class: "small up", "aria-label": `Move ${title} up`, key: `up-${id}` },
      "↑",
    );
    const down = h(
      "button",
      { type: "button", class: "small down", "aria-label": `Move ${title} down`, key: `down-${id}` },
      "↓",
    );
    up.addEventListener("click", () => move(li, -1, up));
    down.addEventListener("click", () => move(li, 1, down));
    li.append(
      h("span", { class: "grip", "aria-hidden": "true", text: "⠿" }),
      h("span", { class: "rank-title", text: title }),
      up,
      down,
    );
    li.addEventListener("dragstart", (event) => {
      dragged = li;
      li.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", id);
    });
    li.addEventListener("dragend", () => {
      li.classList.remove("dragging");
      dragged = null;
      renumber();
    });
    li.addEventListener("dragover", (event) => {
      if (!dragged || dragged === li) return;
      event.preventDefault();
      const box = li.getBoundingClientRect();
      const after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? li.nextSibling : li);
    });
    li.addEventListener("drop", (event) => event.preventDefault());
    list.append(li);
  }
  renumber();
  const fieldset = h(
    "fieldset",
    { class: "ranked" },
    h("legend", { text: "Rank the proposals, best first" }),
    h("p", { class: "muted", text: "Drag them into order, or use the arrow buttons." }),
    list,
  );
  // Everyone starts from the board's order: a quick tap on Cast would favour the first
  // listed, so an order nobody moved (and no earlier vote) goes in on the second press.
  const read = () => {
    const ranking = order();
    if (mine || ranking.join() !== start.join()) return { ranking };
    const first = goalTitle(state, ranking[0]);
    const question = `You have moved nothing: cast the order as listed, “${first}” first?`;
    return { ranking, ask: ["Cast this order", question] };
  };
  return [fieldset, read];
}

/**
 * A reason argues for one choice: "too vague" explains a Disagree, not the Agree the voter
 * switches to. So each choice keeps the reason written under it (switching back brings it
 * back), and a reason typed before any choice was picked goes with the first one.
 */
function keepReasonsWithChoices(fieldset, reason, mine) {
  const picked = () => {
    const radio = fieldset.querySelector("input[type=radio]:checked");
    return radio ? radio.value : null;
  };
  let current = picked();
  const reasons = new Map(current && mine && mine.reason ? [[current, mine.reason]] : []);
  fieldset.addEventListener("change", () => {
    const now = picked();
    if (now === current) return;
    if (current !== null) {
      reasons.set(current, reason.value);
      reason.value = reasons.get(now) || "";
    }
    current = now;
  });
}

/** The voting form for `ballot`; `submit(vote)` resolves to an error message or null. */
export function voteForm(state, ballot, submit) {
  const rule = ruleOfVote(ballot);
  const mine = ballot.my_vote || null;
  let fields;
  if (CHOICES[rule]) fields = choiceFields(CHOICES[rule][0], mine, CHOICES[rule][1]);
  else if (rule === "fist_of_five") fields = fistFields(mine);
  else if (rule === "dot") fields = dotFields(state, ballot, mine);
  else fields = rankFields(state, ballot, mine);
  const [fieldset, read] = fields;
  const reasonLabel =
    rule === "consent" ? "Reason (required for an objection; say what a concern is)" : "Reason (optional)";
  const reason = h("textarea", { id: "vote-reason", rows: "2", maxlength: "2000", key: "vote-reason" });
  reason.value = (mine && mine.reason) || "";
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const button = h(
    "button",
    { type: "submit", class: "primary", key: "vote-submit" },
    mine ? "Change my vote" : "Cast my vote",
  );
  const castLabel = button.textContent;
  let asked = false; // a vote easy to send by mistake goes in on the second press only
  const form = h(
    "form",
    { class: "vote-form", novalidate: true, "aria-label": "Your vote" },
    mine ? h("p", { class: "my-vote", text: `Your vote: ${voteText(state, mine)}` }) : null,
    fieldset,
    h("label", { for: "vote-reason", text: reasonLabel }),
    reason,
    error,
    button,
  );
  keepReasonsWithChoices(fieldset, reason, mine);
  fieldset.addEventListener("input", () => {
    if (!asked) return;
    asked = false;
    button.textContent = castLabel;
    showError(error, "");
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const vote = read();
    if (vote.error) return showError(error, vote.error);
    // No dots at all (an abstention), or the order as listed: easy to send by mistake.
    if (vote.ask && !asked) {
      asked = true;
      button.textContent = vote.ask[0];
      return showError(error, vote.ask[1]);
    }
    delete vote.ask;
    const why = reason.value.trim();
    if (why) vote.reason = why;
    if (vote.choice === "objection" && !why) {
      reason.focus();
      return showError(error, "An objection needs a reason: say what harm it does to the aim.");
    }
    showError(error, "");
    if (!markBusy(button)) return;
    const problem = await submit(vote);
    markBusy(button, false);
    showError(error, problem);
  });
  return form;
}

/**
 * A decision by one person: pick one of `options` ([value, label]) and give the reasons;
 * `submit(value, rationale)` resolves to an error message or null.
 */
function choiceWithReasons({ name, heading, intro, legend, options, button, submit }) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const rationale = h("textarea", { id: `${name}-rationale`, rows: "3", maxlength: "2000", key: `${name}-rationale` });
  const form = h(
    "form",
    { class: "decision-form", novalidate: true, "aria-label": heading },
    h("h3", { text: heading }),
    h("p", { class: "muted", text: intro }),
    h(
      "fieldset",
      { class: "choices" },
      h("legend", { text: legend }),
      options.map(([value, label]) =>
        h(
          "label",
          { class: "choice big" },
          h("input", { type: "radio", name, value, key: `${name}-${value}` }),
          h("span", { text: label }),
        ),
      ),
    ),
    h("label", { for: `${name}-rationale`, text: "Rationale" }),
    rationale,
    error,
    h("button", { type: "submit", class: "primary" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // The field at fault takes the focus, so that the error is tied to it (aria-invalid).
    const picked = form.querySelector(`input[name=${name}]:checked`);
    if (!picked) {
      form.querySelector(`input[name=${name}]`).focus();
      return showError(error, `${legend}: choose one.`);
    }
    if (!rationale.value.trim()) {
      rationale.focus();
      return showError(error, "Give the reasons for the minutes.");
    }
    showError(error, await submit(picked.value, rationale.value.trim()));
  });
  return form;
}

/** The decider's form, once the advice has been revealed: yes or no on one proposal, or,
 * after advice that ranked several, the one that goes forward. */
export function decisionForm(state, ballot, submit) {
  if (ballot.options.length > 1) {
    return choiceWithReasons({
      name: "decision",
      heading: "You decide",
      intro: "You have heard the advice. Choose the proposal that goes forward, and say why for the minutes.",
      legend: "Goes forward",
      options: ballot.options.map((id) => [id, goalTitle(state, id)]),
      button: "Record decision",
      submit: (winner, rationale) => submit({ ballot_id: ballot.id, winner, rationale }),
    });
  }
  return choiceWithReasons({
    name: "decision",
    heading: "You decide",
    intro: "You have heard the advice. Record your decision and its reasons for the minutes.",
    legend: "Decision",
    options: [
      ["yes", "Accept the proposal"],
      ["no", "Do not accept"],
    ],
    button: "Record decision",
    submit: (value, rationale) => submit({ ballot_id: ballot.id, passed: value === "yes", rationale }),
  });
}

/** The decider's choice among the options tied for first place, when the facilitator asked. */
export function tieDecisionForm(state, ballot, tied, submit) {
  return choiceWithReasons({
    name: "tie-winner",
    heading: "You break the tie",
    intro: "These options tied for first place. Choose the one that goes forward, and say why for the minutes.",
    legend: "Winner",
    options: tied.map((id) => [id, goalTitle(state, id)]),
    button: "Record my choice",
    submit: (winner, rationale) => submit({ ballot_id: ballot.id, winner, rationale }),
  });
}
