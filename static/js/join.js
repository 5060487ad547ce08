// Join: name and a role the session's kind allows; the token stays in this browser.

import { getJSON, loadIdentity, postJSON, saveIdentity, sessionPath } from "./api.js";
import { h, setUpLargeType, showError } from "./dom.js";
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

const saved = loadIdentity(workshopId);
if (saved) {
  document.getElementById("already").hidden = false;
  document.getElementById("continue-name").textContent = saved.name || "yourself";
  document.getElementById("continue-link").href = sessionPath(workshopId);
}

async function lookUp(code) {
  showError(error, "");
  if (!code) return;
  try {
    const found = await getJSON(`/api/join/${encodeURIComponent(code)}`);
    if (found.id !== workshopId) throw new Error("This code belongs to another session.");
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
    document.getElementById("code-row").hidden = true;
  } catch (problem) {
    showError(error, problem.message);
  }
}

const initialCode = (document.getElementById("join-card").dataset.code || "").trim().toUpperCase();
if (initialCode) lookUp(initialCode);
codeInput.addEventListener("change", () => lookUp(codeInput.value.trim().toUpperCase()));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(error, "");
  const code = codeInput.value.trim().toUpperCase();
  const name = nameInput.value.trim();
  const role = form.querySelector("input[name=role]:checked");
  if (!code) return showError(error, "Type the join code.");
  if (!role) return lookUp(code);
  if (!name) {
    nameInput.focus();
    return showError(error, "Type your name.");
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const url = `/api/sessions/${encodeURIComponent(workshopId)}/participants`;
    const joined = await postJSON(url, { join_code: code, name, role: role.value });
    saveIdentity(workshopId, { token: joined.token, participant_id: joined.participant_id, name });
    window.location.assign(sessionPath(workshopId));
  } catch (problem) {
    showError(error, problem.message);
    button.disabled = false;
  }
});
