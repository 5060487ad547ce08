// The facilitator console: invite, agenda, floor, ballots, proposals, airtime, people, chain.

import { getJSON, loadIdentity, saveIdentity, sessionPath, wireDownloads } from "./api.js";
import { renderBallot, renderBoard, wireBoard } from "./console-ballots.js";
import { renderAirtime, renderFloor, renderPeople, wireFloor } from "./console-floor.js";
import { $, button, copyText, h, setDisabled, showError } from "./dom.js";
import { chainPanel } from "./review.js";
import { run, startLive, update } from "./shell.js";
import { agendaSteps, KINDS, PHASES } from "./widgets.js";

const workshopId = document.body.dataset.workshopId;
let live;
let chain;

/** Take the token from the link's fragment into storage, and out of the address bar. */
function identity() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token");
  if (token) {
    saveIdentity(workshopId, { token, participant_id: "pt1" }, true);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return loadIdentity(workshopId, true) || loadIdentity(workshopId);
}

function fatal(...nodes) {
  const banner = $("#fatal");
  banner.replaceChildren(...nodes);
  banner.hidden = false;
}

async function showInvite(token) {
  const own = `${window.location.origin}${window.location.pathname}#token=${encodeURIComponent(token)}`;
  $("#private-link").textContent = own;
  $("#copy-private").addEventListener("click", () => copyText(own, $("#private-link"), "Private link"));
  try {
    const invite = await getJSON(sessionPath(workshopId, "invite"), token);
    $("#join-code").textContent = invite.join_code;
    const link = $("#join-link");
    link.href = invite.join;
    link.textContent = invite.join;
    // The code shows at once; its picture once it has loaded, never as an empty frame.
    const qr = $("#qr");
    qr.addEventListener("load", () => (qr.hidden = false), { once: true });
    qr.addEventListener(
      "error",
      () => showError($("#invite-error"), "The QR code did not load: give the join code or the link."),
      { once: true },
    );
    qr.src = `${sessionPath(workshopId, "qr.svg")}?code=${encodeURIComponent(invite.join_code)}`;
    $("#copy-link").addEventListener("click", () => copyText(invite.join, link, "Join link"));
    const screen = $("#open-screen"); // for the projector: the room's view, read-only
    screen.href = invite.screen;
    screen.hidden = false;
  } catch (error) {
    showError($("#invite-error"), error.message);
  }
}

// --- agenda ---------------------------------------------------------------------------

function renderAgenda(state) {
  const { session } = state;
  const error = $("#agenda-error");
  const step = session.agenda.indexOf(session.phase);
  const reorder = (from, to) => {
    const agenda = [...session.agenda];
    const [phase] = agenda.splice(from, 1);
    agenda.splice(to, 0, phase);
    run(live, "reorder_agenda", { agenda }, error);
  };
  $("#phase-name").textContent = PHASES[session.phase] || session.phase;
  $("#phase-step").textContent = `step ${step + 1} of ${session.agenda.length}`;
  update($("#agenda-body"), [session.agenda, session.phase], () => agendaSteps(session));
  update($("#agenda-order"), [session.agenda, session.phase], () =>
    h(
      "ol",
      { class: "steps editable", "aria-label": "Order of the agenda" },
      session.agenda.map((phase, index) =>
        h(
          "li",
          { class: phase === session.phase ? "current" : null },
          h("span", { class: "step-name", text: PHASES[phase] || phase }),
          h(
            "span",
            { class: "step-tools" },
            button("↑", () => reorder(index, index - 1), {
              class: "small",
              disabled: index === 0,
              "aria-label": `Move ${PHASES[phase]} earlier`,
              key: `up-${phase}`,
            }),
            button("↓", () => reorder(index, index + 1), {
              class: "small",
              disabled: index === session.agenda.length - 1,
              "aria-label": `Move ${PHASES[phase]} later`,
              key: `down-${phase}`,
            }),
          ),
        ),
      ),
    ),
  );
  const select = $("#goto-phase");
  const chosen = select.dataset.phase === session.phase ? select.value : session.phase;
  update(select, session.agenda, () =>
    session.agenda.map((phase) => h("option", { value: phase, text: PHASES[phase] || phase })),
  );
  if (session.agenda.includes(chosen) && document.activeElement !== select) select.value = chosen;
  if (select.dataset.phase && select.dataset.phase !== session.phase) {
    // A refusal of the phase before ("ballots are held in …") no longer holds in this one.
    for (const error of ["#board-error", "#ballot-error"]) showError($(error), "");
  }
  select.dataset.phase = session.phase; // follow the phase until the facilitator picks another
  setDisabled($("#next-phase"), step === session.agenda.length - 1);
}

function render(state) {
  const { session, me } = state;
  $("#session-title").textContent =
    `${session.title}${session.product ? ` — ${session.product}` : ""} · ${KINDS[session.kind] || session.kind} · ${PHASES[session.phase]}`;
  document.title = `Console: ${session.title}`;
  if (me.role !== "facilitator") {
    saveIdentity(workshopId, { token: live.token, participant_id: me.id, name: me.name });
    $("#view").hidden = true;
    fatal(
      document.createTextNode("You are no longer the facilitator of this session. "),
      h("a", { href: sessionPath(workshopId) }, "Take part in the participant view"),
    );
    return;
  }
  // Facilitating (again, once the role is handed back): what said otherwise no longer holds.
  $("#fatal").hidden = true;
  $("#view").hidden = false;
  $("#view").dataset.phase = session.phase;
  renderAgenda(state);
  renderFloor(state, live);
  renderBallot(state, live);
  renderBoard(state, live);
  renderAirtime(state, live.serverNow());
  renderPeople(state, live);
  chain.render(state);
}

/** The agenda's fixed controls and the export links. */
function wire() {
  const error = $("#agenda-error");
  $("#next-phase").addEventListener("click", () => run(live, "next_phase", {}, error));
  $("#skip-phase").addEventListener("click", () => run(live, "skip_phase", {}, error));
  $("#goto-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run(live, "go_to_phase", { phase: $("#goto-phase").value }, error);
  });
  wireDownloads($("#exports"), workshopId, live.token, $("#exports-error"));
}

const me = identity();
if (!me) {
  $("#view").hidden = true;
  fatal(
    document.createTextNode(
      "This browser has no facilitator link for this session. Open the private facilitator link you got when you created it, or ",
    ),
    h("a", { href: "/" }, "create a new session"),
  );
} else {
  live = startLive({
    token: me.token,
    render,
    onRefused: (message) => fatal(document.createTextNode(`Not connected: ${message}.`)),
  });
  wire();
  // The turn under way counts in the airtime as it runs: the figures tick with the countdown.
  setInterval(() => live.state && live.state.airtime && renderAirtime(live.state, live.serverNow()), 1000);
  wireFloor(live);
  wireBoard(live);
  chain = chainPanel(live);
  showInvite(me.token);
}
