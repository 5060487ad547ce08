// Remote people: the personal links the server hands out once, and the form that shares
// a draft for comments (on the console's board and on the author's own proposals).

import { button, copyText, h, showError } from "./dom.js";
import { run } from "./shell.js";

/** The names typed one per line, without blank lines. */
export function namesFrom(text) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Who to invite: the ids ticked in `list` and the names typed in `text`, a name of someone
 * already invited (`remote`, the session's remote people) standing for that person, once:
 * typed again for a second ballot, "Rita Remote" became a second Rita with a second link. */
export function inviteesFrom(list, name, text, remote) {
  const ticked = [...list.querySelectorAll(`input[name=${name}]:checked`)].map((box) => box.value);
  const byName = new Map(remote.map((person) => [nameKey(person.name), person.id]));
  const typed = namesFrom(text).map((typedName) => byName.get(nameKey(typedName)) || typedName);
  return [...new Set([...ticked, ...typed])];
}

/** A name as people read it, as the server compares names (workshop/domain/identity.py, in
 * part): "Zoë" typed with a combining diaeresis, with a zero-width space or another case is
 * the Zoë invited before, not a newcomer the server would refuse. */
function nameKey(name) {
  const visible = name.normalize("NFKC").replace(/[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]/g, "");
  return visible.toLowerCase().split(/\s+/).filter(Boolean).join(" ");
}

/** A checkbox for each of the session's remote people (`name` the boxes' name), or `empty`
 * said when there is nobody. */
export function invitedChecklist(remote, name, empty) {
  if (!remote.length) return [h("p", { class: "muted", text: empty })];
  return remote.map((person) =>
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name, value: person.id, key: `${name}-${person.id}` }),
      ` ${person.name}`,
    ),
  );
}

/** The links of people invited for the first time, or, when everyone invited has a link
 * already (it now lasts until the new deadline), `already` said in their place. */
export function showSent(container, invitations, heading, already) {
  if (invitations.length) showInvitations(container, invitations, heading);
  else container.replaceChildren(h("p", { role: "status", text: already }));
}

/**
 * Show the personal links of an acknowledgement's `invitations` in `container`: each with
 * its Copy button, "Copy all" as "Name: link" lines, and a word that they are shown once.
 */
export function showInvitations(container, invitations, heading, room = false) {
  const status = h("p", { class: "muted", role: "status" });
  const copy = async (text, element, what) => {
    status.textContent = await copyText(text, element, what);
  };
  const links = invitations.map((invite) => ({ ...invite, url: window.location.origin + invite.link }));
  const all = links.map((invite) => `${invite.name}: ${invite.url}`).join("\n");
  const allText = h("textarea", {
    class: "all-links",
    readonly: true,
    rows: String(Math.min(8, links.length + 1)),
    "aria-label": "All links, one per line",
  });
  allText.value = all;
  const title = h("h3", { tabindex: "-1", text: heading });
  container.replaceChildren(
    h(
      "section",
      { class: "invitations", "aria-label": heading },
      title,
      h("p", { class: "notice", text: "Copy these links now: they are shown only this once." }),
      h("p", {
        class: "muted",
        text: room
          ? "Give it to them on the device they use now: it opens their place, with their votes; the link on the lost device no longer works."
          : "Send each person their own link; it works on a phone, without joining, until its deadline. If the connection drops while sending, the page's retry of the same command brings the same links back; a reload does not.",
      }),
      h(
        "ul",
        { class: "invite-list" },
        links.map((invite) => {
          const code = h("code", { class: "link", text: invite.url });
          return h(
            "li",
            { "data-participant-id": invite.participant_id },
            h("strong", { class: "invitee", text: invite.name }),
            code,
            button("Copy", () => copy(invite.url, code, `${invite.name}'s link`), {
              class: "small",
              "aria-label": `Copy ${invite.name}'s link`,
            }),
          );
        }),
      ),
      h(
        "details",
        { class: "all-links-box" },
        h("summary", { text: "All links as text (Name: link)" }),
        allText,
      ),
      h(
        "div",
        { class: "actions" },
        button("Copy all", () => copy(all, allText, "All links"), { class: "primary" }),
        button("Done: hide the links", () => container.replaceChildren()),
      ),
      status,
    ),
  );
  title.focus();
}

/**
 * "Share for comments" → share_draft. Reviewers are remote people the facilitator already
 * invited (ticked from a list); only the facilitator (`canInvite`) may also name new ones,
 * who get their personal links here.
 */
export function shareForm(container, live, { canInvite }) {
  const names = h("textarea", { id: "share-names", rows: "3" });
  const known = h("div", { class: "share-known" });
  const knownBox = h(
    "fieldset",
    { class: "share-known-box" },
    h("legend", { text: "Remote people already invited" }),
    known,
  );
  const amount = h("input", { id: "share-for", type: "number", min: "1", max: "1440", step: "1", value: "3" });
  const unit = h(
    "select",
    { id: "share-unit" },
    h("option", { value: "3600", text: "hours" }),
    h("option", { value: "86400", text: "days", selected: true }),
  );
  const title = h("h3", { id: "share-h" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const links = h("div", { class: "share-links" });
  let proposal = null;
  let remote = []; // the remote people of the session, from the latest state
  const close = () => {
    proposal = null;
    form.hidden = true;
    showError(error, "");
  };
  const showKnown = () => {
    const empty = canInvite
      ? "Nobody yet: name new reviewers below."
      : "Nobody yet: only the facilitator invites remote people. Ask them to share this draft, or to invite the reviewers you have in mind.";
    known.replaceChildren(...invitedChecklist(remote, "reviewer", empty));
  };
  const form = h(
    "form",
    { class: "share-form", novalidate: true, hidden: true, "aria-labelledby": "share-h" },
    title,
    h("p", {
      class: "muted",
      text: "Each reviewer reads this draft and comments on it by their personal link, before any vote. Their comments appear on the proposal; amend it, then it can go to a ballot.",
    }),
    knownBox,
    canInvite
      ? [h("label", { for: "share-names" }, "New reviewers ", h("span", { class: "muted", text: "(one name per line)" })), names]
      : [],
    h(
      "div",
      { class: "row2" },
      h("div", {}, h("label", { for: "share-for", text: "Links valid for" }), amount),
      h("div", {}, h("label", { for: "share-unit", text: "Unit" }), unit),
    ),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Share"),
      button("Cancel", close),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reviewers = inviteesFrom(known, "reviewer", canInvite ? names.value : "", remote);
    if (!reviewers.length) {
      (known.querySelector("input") || names).focus();
      return showError(
        error,
        canInvite ? "Tick a reviewer or name a new one, one per line." : "Tick at least one reviewer.",
      );
    }
    const count = Number(amount.value);
    if (!Number.isInteger(count) || count < 1)
      return showError(error, "Say how long the links stay valid: a whole number of hours or days.");
    const fields = { proposal_id: proposal.id, reviewers, deadline_seconds: count * Number(unit.value) };
    const ack = await run(live, "share_draft", fields, error);
    if (!ack) return;
    const shared = proposal.title;
    names.value = "";
    close();
    showSent(
      links,
      ack.invitations || [],
      `Review links for “${shared}”`,
      `Shared “${shared}”: the reviewers read it by the links they already have.`,
    );
  });
  container.append(form, links);
  return {
    /** Open the form for one proposal. */
    open(chosen) {
      proposal = chosen;
      title.textContent = `Share “${chosen.title}” for comments`;
      showError(error, "");
      showKnown();
      form.hidden = false;
      form.scrollIntoView({ block: "nearest" });
      (known.querySelector("input") || (canInvite ? names : amount)).focus();
    },
    /** The proposal's "Share for comments" button while it is a draft nobody voted on (none
     * otherwise), for the board's row of actions. */
    buttonFor(chosen) {
      if (chosen.status !== "proposed") return [];
      return [
        button("Share for comments", () => this.open(chosen), {
          class: "small",
          key: `share-${chosen.id}`,
          "aria-label": `Share for comments — ${chosen.title}`,
        }),
      ];
    },
    /** Keep the list of invited people fresh; put the form away once its proposal can no
     * longer be shared. */
    render(state) {
      const before = remote.map((person) => person.id).join();
      remote = state.participants.filter((person) => person.remote);
      if (!proposal) return;
      if (remote.map((person) => person.id).join() !== before) showKnown();
      const now = state.proposals.find((p) => p.id === proposal.id);
      if (!now || now.status !== "proposed") close();
    },
  };
}
