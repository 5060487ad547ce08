// Withdraw with undo: the proposal leaves the board at once, and a notice offers it back.
//
// One click withdraws, as people expect of a small button on their own card; the notice
// stays (no timer to beat) until they undo, dismiss it, or withdraw something else.

import { announce, button, h } from "./dom.js";
import { run } from "./shell.js";

function clear(notice) {
  notice.replaceChildren();
  notice.hidden = true;
}

/** Withdraw `proposal`; once the server took it, show "You withdrew …" with Undo in `notice`. */
export async function withdrawWithUndo(live, proposal, notice, error) {
  if (!(await run(live, "withdraw_proposal", { proposal_id: proposal.id }, error))) return;
  const title = `“${proposal.title}”`;
  const undo = async () => {
    if (await run(live, "restore_proposal", { proposal_id: proposal.id }, error)) {
      clear(notice);
      announce(`${title} is back on the board`);
    }
  };
  const again = button("Undo", undo, { class: "small primary", key: `undo-${proposal.id}` });
  notice.replaceChildren(
    h("span", { text: `You withdrew ${title}. ` }),
    again,
    button("Dismiss", () => clear(notice), { class: "small", key: "undo-dismiss" }),
  );
  notice.hidden = false;
  announce(`You withdrew ${title}. Undo brings it back.`);
  again.focus(); // the Withdraw button left with its card: keep the keyboard close by
}
