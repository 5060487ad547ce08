// Join: name and a role the session's kind allows; the token stays in this browser.

import { findByCode, getJSON, loadIdentity, postJSON, saveIdentity, sessionApi, sessionPath } from "./api.js";
import { h, markBusy, setUpLargeType, showError } from "./dom.js";
import { KINDS, ROLES } from "./widgets.js";

setUpLargeType();

const workshopId = document.body.dataset.workshopId;
const form = document.getElementById("join-form");
const error = document.getElementById("join-error");
const roles = document.getElementById("roles");
const codeInput = document.getElementById("code");
const nameInput = document.getElementById("name");
const titleLine = document.getElementById("join-session-title");
const ROLE_HINTS = {
  product: "proposes, votes, and decides under the decider rule",
  team: "proposes and votes",
  stakeholder: "proposes and votes",
  observer: "follows along; does not propose or vote",
};

/** A link back to one's place (the facilitator made it for someone whose device was lost):
 * the token leaves the address bar, is kept in this browser, and opens the session as them. */
async function comeBack(token) {
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  try {
    const { me } = await getJSON(sessionApi(workshopId, "state"), token);
    saveIdentity(workshopId, { token, participant_id: me.id, name: me.name });
    window.location.replace(sessionPath(workshopId));
  } catch (problem) {
    showError(error, `This link no longer opens your place (${problem.message}): ask the facilitator for a new one.`);
  }
}

const handedBack = new URLSearchParams(window.location.hash.slice(1)).get("token");
if (handedBack) comeBack(handedBack);

const saved = loadIdentity(workshopId);
if (saved) {
  document.getElementById("already").hidden = false;
  document.getElementById("continue-name").textContent = saved.name || "yourself";
  document.getElementById("continue-link").href = sessionPath(workshopId);
}

const CODE_LENGTH = 6; // the server's join codes
let looked = null; // the latest look-up, {code, promise}: a press of Join waits for it

/** The session's roles for `code`, shown; resolves to false after saying what is wrong. */
function lookUp(code, fromLink = false) {
  if (looked && looked.code === code) return looked.promise;
  const promise = showRoles(code, fromLink).then((ok) => {
    if (!ok && looked && looked.promise === promise) looked = null; // a retry asks again
    return ok;
  });
  looked = { code, promise };
  return promise;
}

async function showRoles(code, fromLink) {
  showError(error, "");
  try {
    const found = await findByCode(code);
    if (found.id !== workshopId)
      throw new Error(`The code ${code} opens another workshop. Check it with your facilitator.`);
    titleLine.textContent = `${found.title} — ${KINDS[found.kind] || found.kind}`;
    document.title = `Join ${found.title}`;
    // Most people are team members; the product person (the default decider) chooses so.
    const preset = found.roles.includes("team") ? "team" : found.roles[0];
    const options = found.roles.map((role) =>
      h(
        "label",
        { class: "choice" },
        h("input", { type: "radio", name: "role", value: role, checked: role === preset, required: true }),
        h("span", { text: ROLES[role] || role }),
        h("small", { class: "muted", text: ROLE_HINTS[role] || "" }),
      ),
    );
    roles.replaceChildren(h("legend", { text: "Your role" }), ...options);
    // A code from the link needs no second look; one being typed stays where it is typed.
    if (fromLink) document.getElementById("code-row").hidden = true;
    return true;
  } catch (problem) {
    showError(error, problem.message);
    return false;
  }
}

const typedCode = () => codeInput.value.trim().toUpperCase();
const initialCode = (document.getElementById("join-card").dataset.code || "").trim().toUpperCase();
if (initialCode) lookUp(initialCode, true);
// The roles show as soon as the code is whole, so one press of Join is enough.
codeInput.addEventListener("input", () => {
  if (typedCode().length >= CODE_LENGTH) lookUp(typedCode());
});
codeInput.addEventListener("change", () => typedCode() && lookUp(typedCode()));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(error, "");
  const code = typedCode();
  const name = nameInput.value.trim();
  if (!code) return showError(error, "Type the join code.");
  if (!(await lookUp(code))) return; // what is wrong with the code is said
  const role = form.querySelector("input[name=role]:checked");
  if (!role) return showError(error, "Choose your role.");
  if (!name) {
    nameInput.focus();
    return showError(error, "Type your name.");
  }
  const button = form.querySelector("button[type=submit]");
  if (!markBusy(button)) return; // busy until the session opens: one join per press
  try {
    const joined = await postJSON(sessionApi(workshopId, "participants"), { join_code: code, name, role: role.value });
    saveIdentity(workshopId, { token: joined.token, participant_id: joined.participant_id, name });
    window.location.assign(sessionPath(workshopId));
  } catch (problem) {
    showError(error, problem.message);
    markBusy(button, false);
  }
});
