#!/usr/bin/env python3
"""Markdown tables of docs/evaluation.md from `premirror-eval --e2e --json` outputs.

    evaluation-tables.py TOPOLOGY.json…

Each file is one topology's pooled runs. Prints, in order: the issue's targets per topology and
pooled over all, the policies pooled over all topologies, and the served share by the kind of
partition that cut clients off. Shares are pooled from the counts, never averaged.
"""
import json
import sys

POLICIES = [("origin_only", "Origin only"), ("reactive", "Reactive failover"),
            ("mirror_all", "Mirror everything"), ("premirror", "Premirror")]
KINDS = ["degradation", "maintenance", "weather", "sudden"]
COUNTS = ["requests", "served", "cut_off_requests", "cut_off_served",
          "cut_off_foreseeable_requests", "cut_off_foreseeable_served", "bytes_replicated",
          "bytes_refreshing", "replica_hours", "missed_deadlines", "deadlines"]


def share(part, whole):
    return part / whole if whole else None


def pct(value):
    return "—" if value is None else f"{100 * value:.1f}%"


def gb(value):
    return f"{value / 1e9:,.1f} GB"


def load(paths):
    topologies = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        runs = data["runs"]
        topologies.append({
            "name": runs[0]["topology"] if runs else path,
            "runs": len(runs),
            "seeds": sorted(run["seed"] for run in runs),
            "partitions": data["partitions"],
            "foreseeable": data["foreseeable"],
            "policies": data["policies"],
        })
    return topologies


def pooled(topologies):
    total = {name: {key: 0.0 for key in COUNTS} for name, _ in POLICIES}
    by_kind = {name: {kind: [0.0, 0.0] for kind in KINDS} for name, _ in POLICIES}
    for topology in topologies:
        for name, _ in POLICIES:
            policy = topology["policies"][name]
            for key in COUNTS:
                total[name][key] += policy.get(key) or 0
            for kind in KINDS:
                requests = policy["cut_off_requests_by_kind"].get(kind) or 0
                served = policy["served_cut_off_by_kind"].get(kind) or 0
                by_kind[name][kind][0] += requests
                by_kind[name][kind][1] += served * requests
    return total, by_kind


def targets_row(label, policies, runs):
    fs = {name: share(policies[name]["cut_off_foreseeable_served"],
                      policies[name]["cut_off_foreseeable_requests"]) for name, _ in POLICIES}
    ratio = share(fs["premirror"], fs["mirror_all"]) if fs["premirror"] is not None else None
    bytes_ratio = share(policies["premirror"]["bytes_replicated"],
                        policies["mirror_all"]["bytes_replicated"])
    gain = (fs["premirror"] - fs["reactive"]) if None not in (fs["premirror"], fs["reactive"]) \
        else None
    return (f"| {label} | {pct(fs['premirror'])} | {pct(fs['reactive'])} | "
            f"{pct(fs['mirror_all'])} | {'—' if ratio is None else f'{ratio:.2f}'} | "
            f"{gb(policies['premirror']['bytes_replicated'] / max(runs, 1))} | "
            f"{'—' if bytes_ratio is None else f'{bytes_ratio:.3f}'} | "
            f"{'—' if gain is None else f'{100 * gain:+.1f} pp'} |")


def main(paths):
    topologies = load(paths)
    total, by_kind = pooled(topologies)
    runs = sum(t["runs"] for t in topologies)

    print("### Targets, served share over foreseeable partitions\n")
    print("| Topology (runs, partitions / foreseeable) | Premirror | Reactive | Mirror everything "
          "| Premirror ÷ mirror everything (target ≥ 0.9) | Premirror bytes per run "
          "| Premirror ÷ mirror-everything bytes (target ≤ 0.2) "
          "| Premirror − reactive (target ≥ +15 pp) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for t in sorted(topologies, key=lambda t: t["name"].lower()):
        label = f"{t['name']} ({t['runs']}, {t['partitions']} / {t['foreseeable']})"
        print(targets_row(label, t["policies"], t["runs"]))
    print(targets_row(f"**All** ({runs}, {sum(t['partitions'] for t in topologies)} / "
                      f"{sum(t['foreseeable'] for t in topologies)})", total, runs))

    print("\n### Every figure, pooled over all topologies\n")
    print("| Policy | Served, cut-off | Served, foreseeable | Availability | Bytes replicated "
          "(of which refreshes) | Replica-hours | Missed deadlines |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, title in POLICIES:
        p = total[name]
        missed = (f"{p['missed_deadlines']:.0f} of {p['deadlines']:.0f}"
                  if name == "premirror" else "—")
        print(f"| {title} | {pct(share(p['cut_off_served'], p['cut_off_requests']))} | "
              f"{pct(share(p['cut_off_foreseeable_served'], p['cut_off_foreseeable_requests']))} | "
              f"{100 * share(p['served'], p['requests']):.3f}% | "
              f"{gb(p['bytes_replicated'])} ({gb(p['bytes_refreshing'])}) | "
              f"{p['replica_hours']:,.0f} | {missed} |")

    print("\n### Served share of cut-off requests by the partition that cut them off\n")
    print("| Policy | " + " | ".join(KINDS) + " |")
    print("|---|" + "---:|" * len(KINDS))
    for name, title in POLICIES:
        cells = [pct(share(by_kind[name][k][1], by_kind[name][k][0])) for k in KINDS]
        print(f"| {title} | " + " | ".join(cells) + " |")
    requests = [by_kind["premirror"][k][0] for k in KINDS]
    whole = sum(requests)
    print("| *share of cut-off requests* | " +
          " | ".join(pct(share(r, whole)) for r in requests) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
