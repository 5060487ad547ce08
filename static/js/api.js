// The JSON API, and who I am in each session (kept in this browser's localStorage).

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
    throw Object.assign(new Error(error.message), { code: error.code, status: answer.status });
  }
  return data;
}

export const getJSON = (url, token) => request("GET", url, undefined, token);
export const postJSON = (url, body, token) => request("POST", url, body, token);

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
