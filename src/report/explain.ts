/**
 * @fileoverview The paragraph that explains a run, for every scenario: at
 * each action, what the kernel did, which flows moved to another algorithm,
 * which kept theirs, which started after it and what they got, with the
 * figures measured in the run (β from each segment's cwnd reductions,
 * goodput and share of capacity per algorithm in the longest concurrent
 * interval before and after the action), then each algorithm's figures over
 * the whole run. Only measured numbers; no claim the records do not support.
 */
import type { FlowRow, IntervalSummary, Summary, TimelineEntry } from "./summary.js";

/** What an action did, as the run reports it. */
export interface ExplainedAction {
  readonly tNs: number;
  readonly label: string;
  readonly detail: string;
  readonly ok: boolean;
  /** The action may have moved flows between two versions registered under one name, which this kernel cannot show (an iterator on Linux). */
  readonly movesHidden?: boolean;
}

const list = (xs: readonly string[]): string =>
  xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1] as string}`;
const secs = (ns: number): string => `${Number((ns / 1e9).toFixed(2))} s`;
const mbit = (bps: number): string => (bps / 1e6).toFixed(1);
/** Start times of flows: "0 s and 0.5 s", or "all at 0 s" when they are equal. */
const starts = (fs: readonly FlowRow[]): string => {
  const ts = [...new Set(fs.map((f) => secs(f.startNs)))];
  return fs.length > 1 && ts.length === 1 ? `all at ${ts[0] as string}` : list(fs.map((f) => secs(f.startNs)));
};

/** "measured β 0.49, 0.48", or why there is none. */
function betas(entries: readonly (TimelineEntry | undefined)[]): string {
  const bs = entries.map((e) => e?.beta).filter((b): b is number => typeof b === "number");
  return bs.length === 0 ? "no reduction measured" : `measured β ${bs.map((b) => b.toFixed(2)).join(", ")}`;
}

/** Flows grouped by a label, in first-seen order. */
function byGroup<T>(items: readonly T[], key: (x: T) => string): [string, T[]][] {
  const m = new Map<string, T[]>();
  for (const x of items) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return [...m.entries()];
}

/** The segment of `f` running at `tNs` (the one starting there, if any). */
function entryAt(f: FlowRow, tNs: number): TimelineEntry | undefined {
  return f.timeline.find((e) => e.fromNs <= tNs && tNs < e.toNs) ?? f.timeline.find((e) => e.fromNs === tNs);
}

/** The longest concurrent interval inside [a, b], if any. */
function longest(intervals: readonly IntervalSummary[], a: number, b: number): IntervalSummary | undefined {
  let best: IntervalSummary | undefined;
  for (const iv of intervals) if (iv.fromNs >= a && iv.toNs <= b && (best === undefined || iv.toNs - iv.fromNs > best.toNs - best.fromNs)) best = iv;
  return best;
}

/** "reno 14.4 Mbit/s (28.9% of capacity, 2 flows, 7.2 each)" for each algorithm of an interval. */
function intervalText(s: Summary, iv: IntervalSummary): string {
  return list(iv.groups.map((g) => {
    const cap = g.capacityShare === null ? "" : `${(g.capacityShare * 100).toFixed(1)}% of capacity, `;
    const n = g.flows.length;
    return `${g.group} ${mbit(g.throughputBps)} Mbit/s (${cap}${n} flow${n === 1 ? "" : "s"}${n > 1 ? `, ${mbit(g.throughputBps / n)} each` : ""})`;
  })) + (s.capacityBps === null ? "" : ` of ${mbit(s.capacityBps)} Mbit/s`);
}

/** What changed at one action and what it did to the shares. */
function actionText(s: Summary, a: ExplainedAction, prevNs: number, nextNs: number, hiddenAtNs: number | undefined): string {
  if (!a.ok) return `At ${secs(a.tNs)} ${a.label} failed (${a.detail}), so nothing changed for the flows.`;
  const out = [`At ${secs(a.tNs)} ${a.label}: ${a.detail}.`];
  const running = s.flows.filter((f) => f.startNs < a.tNs && f.endNs > a.tNs);
  const moved = running.filter((f) => f.timeline.some((e) => e.fromNs === a.tNs));
  const kept = running.filter((f) => !moved.includes(f));
  for (const [to, fs] of byGroup(moved, (f) => entryAt(f, a.tNs)?.group ?? f.group)) {
    const from = byGroup(fs, (f) => f.timeline.find((e) => e.toNs === a.tNs)?.group ?? "?").map(([g]) => g);
    out.push(`${list(fs.map((f) => f.id))} moved from ${list(from)} to ${to} (before: ${betas(fs.map((f) => f.timeline.find((e) => e.toNs === a.tNs)))};`
      + ` after: ${betas(fs.map((f) => entryAt(f, a.tNs)))}).`);
  }
  for (const [g, fs] of byGroup(kept, (f) => entryAt(f, a.tNs)?.group ?? f.group)) {
    if (a.movesHidden === true) {
      out.push(`${list(fs.map((f) => f.id))} ran ${g} before it; whether it moved them to another version under the same name is not visible on this kernel.`);
      continue;
    }
    const until = fs.map((f) => entryAt(f, a.tNs)?.toNs ?? f.endNs);
    // A later action whose moves are not visible ends what is known.
    const untilText = hiddenAtNs !== undefined && until.every((t) => t > hiddenAtNs)
      ? `at least until ${secs(hiddenAtNs)} (what the action there did to them is not visible)`
      : until.every((t, i) => t === fs[i]?.endNs) ? "until the end" : `until ${list(until.map(secs))}`;
    out.push(`${list(fs.map((f) => f.id))} kept ${g} ${untilText} (${betas(fs.map((f) => entryAt(f, a.tNs)))}).`);
  }
  const started = s.flows.filter((f) => f.startNs >= a.tNs && f.startNs < nextNs);
  for (const [g, fs] of byGroup(started, (f) => f.timeline[0]?.group ?? f.group)) {
    out.push(`${list(fs.map((f) => f.id))}, started after it (${starts(fs)}), got ${g} (${betas(fs.map((f) => f.timeline[0]))}).`);
  }
  const before = longest(s.intervals, prevNs, a.tNs);
  const after = longest(s.intervals, a.tNs, nextNs);
  if (before !== undefined) out.push(`Goodput before it (${secs(before.fromNs)}–${secs(before.toNs)}): ${intervalText(s, before)}.`);
  if (after !== undefined) out.push(`After it (${secs(after.fromNs)}–${secs(after.toNs)}): ${intervalText(s, after)}.`);
  return out.join(" ");
}

/** The paragraph for a finished run. */
export function explainRun(s: Summary, actions: readonly ExplainedAction[], durationNs: number): string {
  const acts = [...actions].sort((x, y) => x.tNs - y.tNs);
  const out: string[] = [];
  const first = s.flows.filter((f) => acts.length === 0 || f.startNs < (acts[0]?.tNs ?? 0));
  for (const [g, fs] of byGroup(first, (f) => f.timeline[0]?.group ?? f.group)) {
    out.push(`${list(fs.map((f) => f.id))} started on ${g} (${starts(fs)}).`);
  }
  acts.forEach((a, i) => {
    // Before: since the previous action at another time; after: until the next one at another time.
    const prev = [...acts.slice(0, i)].reverse().find((x) => x.tNs < a.tNs)?.tNs ?? 0;
    const next = acts.slice(i + 1).find((x) => x.tNs > a.tNs)?.tNs ?? durationNs;
    const same = acts.slice(0, i).some((x) => x.tNs === a.tNs);
    const hidden = acts.find((x) => x.tNs > a.tNs && x.ok && x.movesHidden === true)?.tNs;
    out.push(same && a.ok ? `At ${secs(a.tNs)} ${a.label}: ${a.detail}.` : actionText(s, a, prev, next, hidden));
  });
  const groups = s.groups.map((g) => {
    const cap = g.capacityShare === null ? "" : `, ${(g.capacityShare * 100).toFixed(1)}% of capacity`;
    const beta = g.beta === null ? "" : `, β ${g.beta.toFixed(2)}`;
    return `${g.group} ${mbit(g.throughputBps)} Mbit/s over its ${secs(g.activeNs)} (${g.flows} flow${g.flows === 1 ? "" : "s"}${cap}${beta})`;
  });
  if (groups.length > 0) out.push(`Over the run, while each algorithm ran: ${list(groups)}.`);
  return out.join(" ");
}
