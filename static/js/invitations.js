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

/**
 * Show the personal links of an acknowledgement's `invitations` in `container`: each with
 * its Copy button, "Copy all" as "Name: link" lines, and a word that they are shown once.
 */
export function showInvitations(container, invitations, heading) {
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
        text: "Send each person their own link; it works on a phone, without joining, until its deadline. If the connection drops while sending, the page's retry of the same command brings the same links back; a reload does not.",
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

/** "Share for comments": reviewers by name and how long their links work → share_draft. */
export function shareForm(container, live) {
  const names = h("textarea", { id: "share-names", rows: "3", required: true });
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
  const close = () => {
    proposal = null;
    form.hidden = true;
    showError(error, "");
  };
  const form = h(
    "form",
    { class: "share-form", novalidate: true, hidden: true, "aria-labelledby": "share-h" },
    title,
    h("p", {
      class: "muted",
      text: "Each reviewer gets a personal link to read this draft and comment on it, before any vote. Their comments appear on the proposal; amend it, then it can go to a ballot.",
    }),
    h("label", { for: "share-names" }, "Reviewers ", h("span", { class: "muted", text: "(one name per line)" })),
    names,
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
      h("button", { type: "submit", class: "primary" }, "Share and make the links"),
      button("Cancel", close),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reviewers = namesFrom(names.value);
    if (!reviewers.length) {
      names.focus();
      return showError(error, "Name at least one reviewer, one per line.");
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
    showInvitations(links, ack.invitations || [], `Review links for “${shared}”`);
  });
  container.append(form, links);
  return {
    /** Open the form for one proposal. */
    open(chosen) {
      proposal = chosen;
      title.textContent = `Share “${chosen.title}” for comments`;
      showError(error, "");
      form.hidden = false;
      form.scrollIntoView({ block: "nearest" });
      names.focus();
    },
    /** Put the form away once its proposal can no longer be shared. */
    render(state) {
      if (!proposal) return;
      const now = state.proposals.find((p) => p.id === proposal.id);
      if (!now || now.status !== "proposed") close();
    },
  };
}
