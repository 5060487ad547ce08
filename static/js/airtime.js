// Airtime as it stands this second: the server's figures (turns ended) with the turn under
// way counted in, as the minutes will count it once it ends. The rules are those of
// workshop/domain/turns.py: share of all seconds, the Gini, who dominates, who is silent.

const FACTOR = 2; // more than twice a fair share dominates...
const MIN_SECONDS = 60; // ...once the group has talked this long...
const MIN_TURNS = 2; // ...and only someone who has had the floor this often
const MEASURED_SECONDS = 1; // below this in all, shares and the Gini are noise

/** Seconds the holder has held the floor by `now`: never past the deadline, never negative. */
export function heldSoFar(holder, now) {
  const end = holder.deadline === null || holder.deadline === undefined ? now : Math.min(now, holder.deadline);
  return Math.max(0, end - holder.started_at);
}

/** Gini of `values`: sum|xi-xj| / (2 n² mean), 0 when equal. */
export function gini(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((sum, x) => sum + x, 0);
  if (total <= 0) return 0;
  const n = sorted.length;
  const spread = sorted.reduce((sum, x, i) => sum + (2 * (i + 1) - n - 1) * x, 0);
  return spread / (n * total);
}

/**
 * The facilitator's airtime with the running turn in: `airtime` as the server sent it,
 * `floor.holder` held until `now`, in the order of `order` (participant ids) among equals.
 */
export function liveAirtime(airtime, floor, now, order) {
  const running = floor.holder;
  const place = (id) => order.indexOf(id);
  const rows = airtime.rows.map((row) =>
    running && row.participant_id === running.participant_id
      ? { ...row, seconds: row.seconds + heldSoFar(running, now), turns: row.turns + 1 }
      : { ...row },
  );
  rows.sort((a, b) => b.seconds - a.seconds || place(a.participant_id) - place(b.participant_id));
  const total = rows.reduce((sum, row) => sum + row.seconds, 0);
  for (const row of rows) row.share = total > 0 ? row.seconds / total : 0;
  const limit = FACTOR / rows.length;
  return {
    ...airtime,
    rows,
    measured: total >= MEASURED_SECONDS,
    gini: Math.round(gini(rows.map((row) => row.seconds)) * 1000) / 1000,
    dominant:
      total < MIN_SECONDS ? [] : rows.filter((r) => r.share > limit && r.turns >= MIN_TURNS).map((r) => r.participant_id),
    silent: rows.filter((row) => row.turns === 0).map((row) => row.participant_id),
  };
}
