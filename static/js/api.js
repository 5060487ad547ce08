// The JSON API, and who I am in each session (kept in this browser's localStorage).

import { markBusy, sentence, showError } from "./dom.js";

/** Fetch JSON; a refusal becomes an Error carrying the server's code and message. */
export async function request(method, url, body, token) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let answer;
  try {
    answer = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw Object.assign(new Error("The server cannot be reached. Check the connection and try again."), {
      code: "offline",
    });
  }
  const data = await answer.json().catch(() => null);
  if (!answer.ok) {
    const error = (data && data.error) || {
      code: "http_" + answer.status,
      message: `The server answered ${answer.status}.`,
    };
    throw Object.assign(new Error(sentence(error.message)), { code: error.code, status: answer.status });
  }
  return data;
}

export const getJSON = (url, token) => request("GET", url, undefined, token);
export const postJSON = (url, body, token) => request("POST", url, body, token);

/**
 * The session a join code opens ({id, kind, title, roles}); an unknown code becomes an Error
 * people can act on, not the server's words.
 */
export async function findByCode(code) {
  try {
    return await getJSON(`/api/join/${encodeURIComponent(code)}`);
  } catch (error) {
    if (error.code !== "not_found") throw error;
    throw new Error(`No open workshop has the code ${code}. Check it with your facilitator.`);
  }
}

const key = (workshopId, facilitator) => `workshop:${workshopId}${facilitator ? ":facilitator" : ""}`;

/** {token, participant_id, name} saved when joining, or null. */
export function loadIdentity(workshopId, facilitator = false) {
  try {
    const saved = JSON.parse(localStorage.getItem(key(workshopId, facilitator)) || "null");
    return saved && typeof saved.token === "string" ? saved : null;
  } catch {
    return null;
  }
}

export function saveIdentity(workshopId, identity, facilitator = false) {
  localStorage.setItem(key(workshopId, facilitator), JSON.stringify(identity));
}

export function forgetIdentity(workshopId, facilitator = false) {
  localStorage.removeItem(key(workshopId, facilitator));
}

export const sessionPath = (workshopId, page = "") =>
  `/s/${encodeURIComponent(workshopId)}${page ? "/" + page : ""}`;

/** A path under the session's API ("state", "participants", "minutes?format=md"). */
export const sessionApi = (workshopId, what) => `/api/sessions/${encodeURIComponent(workshopId)}/${what}`;

/** The file name a download answer gives in its Content-Disposition header, else `fallback`. */
function fileName(answer, fallback) {
  const header = answer.headers.get("Content-Disposition") || "";
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (utf8) return decodeURIComponent(utf8[1]);
  const plain = /filename="([^"]+)"/i.exec(header);
  return plain ? plain[1] : fallback;
}

/** Save a file the API serves: fetched with the token in the header (never in the URL),
 * then handed to the browser as a named download. */
export async function downloadFile(url, token, fallback = "download") {
  let answer;
  try {
    answer = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new Error("The server cannot be reached. Check the connection and try again.");
  }
  if (!answer.ok) {
    const data = await answer.json().catch(() => null);
    throw new Error(sentence((data && data.error && data.error.message) || `The server answered ${answer.status}.`));
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await answer.blob());
  link.download = fileName(answer, fallback);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000); // after the browser has read it
}

/** Buttons with `data-download` (a path under the session's API) save that file. */
export function wireDownloads(root, workshopId, token, error) {
  for (const control of root.querySelectorAll("[data-download]")) {
    control.addEventListener("click", async () => {
      const url = sessionApi(workshopId, control.dataset.download);
      if (!markBusy(control)) return;
      try {
        await downloadFile(url, token);
        showError(error, null);
      } catch (failure) {
        showError(error, failure.message);
      } finally {
        markBusy(control, false);
      }
    });
  }
}
