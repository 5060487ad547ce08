// The live connection: the latest `state`, kept fresh from events; commands with retries.
//
// The server sends a full `state` on every (re)connect, so a reconnect restores exactly
// what the server holds. Each event with a `seq` triggers one debounced `get_state`
// (bursts coalesce); a vote's turnout is patched at once for a smooth count.

import { randomId, sentence } from "./dom.js";

const REFRESH_DELAY = 100;
const ACK_TIMEOUT = 10000;
const ATTEMPTS = 5;

export class Live {
  constructor({ token, onState, onEvent, onStatus, onRefused }) {
    this.token = token;
    this.onState = onState || (() => {});
    this.onEvent = onEvent || (() => {});
    this.onStatus = onStatus || (() => {});
    this.onRefused = onRefused || (() => {});
    this.state = null;
    this.seenSeq = 0;
    this.offset = 0; // server clock minus this browser's clock, in seconds
    this.offsetFromEvents = false;
    this.refreshTimer = null;
    this.refreshing = false;
    this.again = false;
    this.waiting = new Map(); // each command sent and not yet answered, by name and fields
    this.refusals = []; // what to tell each wait for a connection, should it be refused
    this.heard = 0; // when the server was last heard from
  }

  start() {
    if (typeof window.io !== "function") {
      this.onRefused("The live connection script did not load. Reload the page.");
      return this;
    }
    this.estimateOffsetFromHttp();
    // Naming the session lets a proxy send everyone in it to one server process (docs/deploy.md).
    const session = document.body.dataset.workshopId;
    const socket = window.io(window.location.origin, {
      auth: { token: this.token },
      transports: ["websocket"],
      query: session ? { session } : {},
    });
    this.socket = socket;
    // Anything from the server (a ping, an event, an answer) shows the connection carries.
    socket.io.on("ping", () => this.hear());
    socket.io.on("packet", () => this.hear());
    socket.on("connect", () => {
      this.refusals.length = 0; // those waits are over
      this.offsetFromEvents = false;
      this.onStatus(true);
    });
    socket.on("disconnect", (reason) => {
      this.onStatus(false);
      // Let go by the server (not lost): the client does not try again by itself. Once, to
      // hear why: a refusal (an expired link, say) is then said, not "reconnecting…" for ever.
      if (reason === "io server disconnect" && !this.refused) socket.connect();
    });
    // The facilitator gave this person a new link on another device: this one is over.
    socket.on("link_replaced", (data) => this.refuse((data && data.message) || "", "link_replaced"));
    socket.on("connect_error", (error) => {
      const data = (error && error.data) || {};
      if (socket.active) {
        this.onStatus(false); // a network problem: the client retries by itself
      } else if (data.code === "rate_limited") {
        // Too many connections lately (a network that keeps dropping): again when allowed.
        this.onStatus(false);
        const seconds = Math.max(1, Number(data.retry_after) || 1);
        window.setTimeout(() => socket.connect(), seconds * 1000);
      } else {
        this.refuse(refusal(error), data.code);
      }
    });
    socket.on("state", (state) => this.accept(state, true));
    socket.on("own_vote_recorded", (own) => this.ownVote(own));
    // Scale-out: the server lost its message queue (live updates paused), then has it back.
    socket.on("connection_degraded", () => this.onStatus(false, "paused"));
    socket.on("resync", () => {
      this.onStatus(true);
      this.scheduleRefresh();
    });
    socket.onAny((name, data) => {
      if (name === "state" || !data || typeof data !== "object") return;
      // The server's clock stepped: what was learnt of it no longer holds (a step back left
      // every countdown at 0:00, the estimate only ever rising).
      if (name === "clock_stepped") this.offsetFromEvents = false;
      this.sampleClock(data);
      if (name === "presence_changed") return this.presence(data);
      if (typeof data.seq === "number") this.event(name, data);
    });
    return this;
  }

  /** Seconds since the epoch on the server's clock. */
  serverNow() {
    return Date.now() / 1000 + this.offset;
  }

  accept(state, sent = false) {
    if (!state || typeof state.seq !== "number") return;
    // An answer to get_state may be overtaken by a newer one; the state the server sends on
    // (re)connect is what it holds, even behind ours (a database restored from a backup).
    if (!sent && this.state && state.seq < this.state.seq) return;
    if (sent) this.seenSeq = state.seq;
    this.state = state;
    this.onState(state);
    if (this.seenSeq > state.seq) this.scheduleRefresh();
  }

  event(name, data) {
    this.seenSeq = Math.max(this.seenSeq, data.seq);
    const state = this.state;
    // A newcomer is named at once: what they do next is announced before the state is
    // fetched again ("pt3's turn ended" otherwise).
    if (name === "participant_joined" && state && data.participant) {
      if (!state.participants.some((p) => p.id === data.participant.id)) state.participants.push(data.participant);
    }
    this.onEvent(name, data, state);
    // A burst of votes comes as one message covering first_seq..seq; patch the turnout
    // (and, for the facilitator, who has voted) when it follows on from our state.
    const first = typeof data.first_seq === "number" ? data.first_seq : data.seq;
    if (name === "vote_cast" && state && first === state.seq + 1) {
      const ballot = (state.ballots || []).find((b) => b.id === data.ballot_id);
      if (ballot) {
        ballot.turnout = data.turnout;
        const voters = data.voters || (data.voter ? [data.voter] : []);
        if (Array.isArray(ballot.not_voted)) {
          ballot.not_voted = ballot.not_voted.filter((pid) => !voters.includes(pid));
        }
        state.seq = data.seq;
        this.onState(state);
        return;
      }
    }
    this.scheduleRefresh();
  }

  /** My vote, cast in another tab or on another device: show it here too. */
  ownVote(own) {
    const ballot = this.state && (this.state.ballots || []).find((b) => b.id === own.ballot_id);
    if (ballot && ballot.status === "open") {
      ballot.my_vote = own.vote;
      this.onState(this.state);
    }
    this.scheduleRefresh(); // a get_state answered before the vote must not leave it out
  }

  presence(change) {
    const person = this.state && this.state.participants.find((p) => p.id === change.participant_id);
    if (person) {
      person.present = !!change.present;
      this.onState(this.state);
    }
    // Somebody new (their join event brings them in), or somebody the floor waits for: who
    // is next, and who is away, is the server's to say.
    if (!person || change.floor) this.scheduleRefresh();
  }

  scheduleRefresh() {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.refresh();
    }, REFRESH_DELAY);
  }

  async refresh() {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    try {
      await this.connected();
      const ack = await this.socket.timeout(ACK_TIMEOUT).emitWithAck("get_state", {});
      if (ack && ack.ok) this.accept(ack.state);
    } catch {
      // no answer: the reconnect sends a fresh state anyway
    } finally {
      this.refreshing = false;
      if (this.again) {
        this.again = false;
        this.scheduleRefresh();
      }
    }
  }

  connected() {
    if (this.socket.connected) return Promise.resolve();
    if (this.refused) return Promise.reject(new Error(this.refused));
    return new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.refusals.push(reject); // every press waiting hears it, not only the last
    });
  }

  /** The connection is refused for good (`code` says why, if the server said): say so, and
   * answer all that waits to be sent. */
  refuse(message, code) {
    this.refused = message || "The server refused the connection.";
    this.socket.disconnect();
    for (const reject of this.refusals.splice(0)) reject(new Error(this.refused));
    this.onRefused(this.refused, code);
  }

  /**
   * Send a command; a lost answer is retried with the same cid, so it counts once. The same
   * command (same name and fields) pressed again while it waits to be sent or answered is the
   * same press: offline, "Next phase" pressed twice moves one phase once the connection is back.
   */
  send(name, fields = {}) {
    const key = JSON.stringify([name, fields]);
    let answer = this.waiting.get(key);
    if (!answer) {
      answer = this.deliver(name, fields).finally(() => this.waiting.delete(key));
      this.waiting.set(key, answer);
    }
    return answer;
  }

  /**
   * Send until answered. An attempt unanswered while the server was heard from (its pings go
   * on) counts against ATTEMPTS: the server is up and this command is stuck. One unanswered
   * while nothing came back does not: the connection may be dead without knowing it yet (a
   * Wi-Fi dead zone shows only at the ping timeout), and the command waits for it, as offline.
   */
  async deliver(name, fields) {
    const payload = { cid: randomId(), ...fields };
    for (let failed = 0; ; ) {
      try {
        await this.connected();
      } catch (refused) {
        return { ok: false, error: { code: "refused", message: refused.message } };
      }
      const sent = Date.now();
      try {
        const ack = await this.socket.timeout(ACK_TIMEOUT).emitWithAck(name, payload);
        if (ack && Array.isArray(ack.events)) ack.events.forEach((item) => this.sampleClock(item));
        if (ack && ack.ok) this.scheduleRefresh(); // e.g. my own vote, which the room never sees
        if (ack && !ack.ok && ack.error) ack.error.message = sentence(ack.error.message);
        return ack || { ok: false, error: { code: "internal", message: "The server sent no answer." } };
      } catch {
        if (this.heard >= sent && ++failed >= ATTEMPTS) {
          return { ok: false, error: { code: "timeout", message: "The server did not answer. Try again." } };
        }
      }
    }
  }

  hear() {
    this.heard = Date.now();
  }

  sampleClock(item) {
    if (!item || typeof item.at !== "number") return;
    // An event's time is at or before the server's now: the largest sample is the best.
    const sample = item.at - Date.now() / 1000;
    this.offset = this.offsetFromEvents ? Math.max(this.offset, sample) : sample;
    this.offsetFromEvents = true;
  }

  async estimateOffsetFromHttp() {
    try {
      const sent = Date.now();
      const answer = await fetch(window.location.pathname, { method: "HEAD", cache: "no-store" });
      const date = Date.parse(answer.headers.get("Date") || "");
      if (!Number.isNaN(date) && !this.offsetFromEvents) {
        this.offset = (date + 500 - (sent + Date.now()) / 2) / 1000;
      }
    } catch {
      // keep the browser's clock
    }
  }
}

function refusal(error) {
  const data = error && error.data;
  if (data && data.message) return data.message;
  const text = String((error && error.message) || "");
  const found = text.match(/'message':\s*'([^']*)'/);
  return found ? found[1] : text || "The server refused the connection.";
}
