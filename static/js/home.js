// Home: create a session (optionally from a goal chain file), or join one with a code.

import { findByCode, postJSON, saveIdentity, sessionPath } from "./api.js";
import { markBusy, setUpLargeType, showError } from "./dom.js";

setUpLargeType();

function sizeWords(bytes) {
  return bytes >= 1024 * 1024 ? `${Math.floor(bytes / (1024 * 1024))} MB` : `${Math.floor(bytes / 1024)} KB`;
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error(`Could not read ${file.name}.`));
    reader.readAsText(file);
  });
}

// Kinds that work on an agreed chain: without one, what they produce has nothing to serve.
const STARTS_FROM_CHAIN = {
  roadmapping:
    "Roadmapping starts from the strategy: choose the goal chain file your strategizing workshop " +
    "saved. Without one, no product goal can go to a vote, as each must serve a user or business " +
    "goal of the chain.",
  review:
    "A review starts from a goal chain: choose the file of the chain to review. Without one, there " +
    "is no goal to change, retire or mark achieved.",
  sprint_planning:
    "Sprint planning starts from the product goals: choose the goal chain file your roadmapping " +
    "workshop saved. Without one, no sprint goal can go to a vote, as each must serve a product " +
    "goal of the chain.",
};

function showChainNote() {
  const note = document.getElementById("chain-note");
  const text = document.getElementById("chain-file").files.length
    ? ""
    : STARTS_FROM_CHAIN[document.getElementById("kind").value] || "";
  note.textContent = text;
  note.hidden = !text;
}
document.getElementById("kind").addEventListener("change", showChainNote);
document.getElementById("chain-file").addEventListener("change", showChainNote);
showChainNote(); // a browser may bring back the kind chosen before a reload

const createForm = document.getElementById("create-form");
const createError = document.getElementById("create-error");
createForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(createError, "");
  const button = createForm.querySelector("button[type=submit]");
  const field = (id) => document.getElementById(id);
  const body = {
    kind: field("kind").value,
    title: field("title").value.trim(),
    facilitator_name: field("facilitator-name").value.trim(),
    // The minutes and the pages without script show times in the session's time zone.
    time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || undefined,
    product: field("product").value.trim() || undefined,
  };
  if (!body.title) {
    showError(createError, "Give the session a title.");
    field("title").focus();
    return;
  }
  if (!body.facilitator_name) {
    showError(createError, "Say your name: people see it, and the minutes name you as the facilitator.");
    field("facilitator-name").focus();
    return;
  }
  if (!markBusy(button)) return; // busy until the console opens: one session per press
  try {
    const file = field("chain-file").files[0];
    if (file) {
      // The server's limit on a request (MAX_CONTENT_LENGTH), which bounds a chain's text.
      const limit = Number(field("chain-file").dataset.maxBytes);
      if (limit && file.size > limit) {
        throw new Error(`${file.name} is larger than ${sizeWords(limit)}, the most this server takes.`);
      }
      body.chain = await readFile(file);
    }
    const created = await postJSON("/api/sessions", body);
    saveIdentity(created.id, { token: created.facilitator_token, participant_id: "pt1" }, true);
    // The console takes the token out of the fragment and out of the address bar.
    window.location.assign(
      `${sessionPath(created.id, "facilitator")}#token=${encodeURIComponent(created.facilitator_token)}`,
    );
  } catch (error) {
    showError(createError, error.message);
    markBusy(button, false);
  }
});

const codeForm = document.getElementById("code-form");
const codeError = document.getElementById("code-error");
codeForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(codeError, "");
  const input = document.getElementById("join-code");
  const code = input.value.trim().toUpperCase();
  if (!code) {
    showError(codeError, "Type the join code the facilitator shared.");
    input.focus();
    return;
  }
  try {
    const found = await findByCode(code);
    window.location.assign(`${sessionPath(found.id, "join")}?code=${encodeURIComponent(code)}`);
  } catch (error) {
    showError(codeError, error.message);
  }
});
