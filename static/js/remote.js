// The personal link page: "Your vote is recorded." is said once. The page was reached by a
// redirect to ?done=vote; taken out of the address, a reload (after the ballot closed, say)
// no longer repeats it. The page works without this script.

const address = new URL(window.location.href);
if (address.searchParams.has("done")) {
  address.searchParams.delete("done");
  window.history.replaceState(null, "", address.pathname + address.search + address.hash);
}

// A phone out of signal: sent, the form gave way to the browser's "No internet" page, and
// only Back brought it back. Offline, it stays, with what was typed, and says why.
for (const form of document.querySelectorAll("form")) {
  const said = document.createElement("p");
  said.className = "error offline-note";
  said.setAttribute("role", "alert");
  said.hidden = true;
  form.querySelector("button[type=submit]").before(said);
  form.addEventListener("submit", (event) => {
    if (navigator.onLine) return;
    event.preventDefault();
    said.textContent =
      "You are offline: nothing was sent. What you entered stays here: press the button again once you are back online.";
    said.hidden = false;
  });
  window.addEventListener("online", () => {
    said.hidden = true;
  });
}
