// The personal link page: "Your vote is recorded." is said once. The page was reached by a
// redirect to ?done=vote; taken out of the address, a reload (after the ballot closed, say)
// no longer repeats it. The page works without this script.

const address = new URL(window.location.href);
if (address.searchParams.has("done")) {
  address.searchParams.delete("done");
  window.history.replaceState(null, "", address.pathname + address.search + address.hash);
}
