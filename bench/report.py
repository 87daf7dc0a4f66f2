"""Ratios, targets, and the written results of a benchmark run (JSON, markdown, PNG)."""

import json
from pathlib import Path
from typing import Dict, List, Optional

# The targets (benchmark figures, never timed unit tests).
P95_TARGET_MS = 60
P95_TARGET_USERS = 10
THROUGHPUT_RATIO_TARGET = 1.5
RSS_TARGET_MB = 900
TRAIN_TARGET_S = 180
READY_TARGET_S = 25

LABELS = {"project": "project (config.yml)", "peer": "peer (Rasa default config)"}


def _get(data: Dict, *keys):
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _ratio(a, b, digits: int = 2) -> Optional[float]:
    return round(a / b, digits) if a is not None and b else None


def peak_rps(result: Dict) -> Optional[float]:
    values = [s["rps"] for s in (result.get("steps") or {}).values() if s.get("rps")]
    return max(values) if values else None


def finish(data: Dict) -> None:
    """Adds the project/peer ratios and the target checks to ``data``."""
    project = data["configs"].get("project", {})
    peer = data["configs"].get("peer")
    if peer:
        steps = {}
        for users, step in (project.get("steps") or {}).items():
            other = (peer.get("steps") or {}).get(users)
            if other:
                steps[users] = {
                    "rps": _ratio(step["rps"], other["rps"]),
                    "rasa_cpu": _ratio(
                        step.get("rasa_cpu_ms_per_msg"), other.get("rasa_cpu_ms_per_msg")
                    ),
                    **{f"p{q}": _ratio(step[f"p{q}_ms"], other[f"p{q}_ms"]) for q in (50, 95, 99)},
                }
        data["ratios"] = {
            "steps": steps,
            "peak_rps": _ratio(peak_rps(project), peak_rps(peer)),
            "train_s": _ratio(project.get("train_s"), peer.get("train_s")),
            "train_cpu_s": _ratio(project.get("train_cpu_s"), peer.get("train_cpu_s")),
            "ready_s": _ratio(project.get("ready_s"), peer.get("ready_s")),
            "rss_rasa": _ratio(_get(project, "rss_mb", "rasa"), _get(peer, "rss_mb", "rasa")),
            "parse_p50": _ratio(
                _get(project, "floor", "parse", "p50_ms"), _get(peer, "floor", "parse", "p50_ms")
            ),
        }
    data["targets"] = targets(data)


def targets(data: Dict) -> List[Dict]:
    project = data["configs"].get("project", {})
    peer = data["configs"].get("peer", {})
    rows = []

    def add(name: str, value, target: str, met: Optional[bool]) -> None:
        rows.append({"target": name, "value": value, "goal": target, "met": met})

    p95 = _get(project, "steps", str(P95_TARGET_USERS), "p95_ms")
    add(
        f"p95 at {P95_TARGET_USERS} concurrent conversations (ms)",
        p95,
        f"≤ {P95_TARGET_MS}",
        None if p95 is None else p95 <= P95_TARGET_MS,
    )
    ratio = _get(data, "ratios", "peak_rps")
    add(
        "throughput, project / peer (peak msg/s, same run)",
        ratio,
        f"≥ {THROUGHPUT_RATIO_TARGET}",
        None if ratio is None else ratio >= THROUGHPUT_RATIO_TARGET,
    )
    mine = _get(project, "steps", "50", "rasa_cpu_ms_per_msg")
    theirs = _get(peer, "steps", "50", "rasa_cpu_ms_per_msg")
    cpu_ratio = _ratio(theirs, mine)
    add(
        "same from the cost: Rasa CPU per message at 50, peer / project",
        cpu_ratio,
        f"≥ {THROUGHPUT_RATIO_TARGET}",
        None if cpu_ratio is None else cpu_ratio >= THROUGHPUT_RATIO_TARGET,
    )
    for kind, label in (("intent", "intents"), ("faq", "FAQ topics")):
        mine, theirs = _get(project, "nlu", kind, "macro_f1"), _get(peer, "nlu", kind, "macro_f1")
        add(
            f"held-out NLU macro F1, {label}: project vs peer",
            None
            if mine is None
            else f"{mine:.3f} vs {theirs:.3f}"
            if theirs is not None
            else f"{mine:.3f}",
            "equal or better",
            None if mine is None or theirs is None else mine >= theirs,
        )
    rss = [_get(project, key, "rasa") for key in ("rss_mb", "rss_after_load_mb")]
    rss = [r for r in rss if r is not None]
    add(
        "Rasa server resident memory (MB, max of after warm-up / after load)",
        max(rss) if rss else None,
        f"≤ {RSS_TARGET_MB}",
        None if not rss else max(rss) <= RSS_TARGET_MB,
    )
    train = project.get("train_s")
    add(
        "full training (s)",
        train,
        f"≤ {TRAIN_TARGET_S}",
        None if train is None else train <= TRAIN_TARGET_S,
    )
    ready = project.get("ready_s")
    add(
        "start to ready (s)",
        ready,
        f"≤ {READY_TARGET_S}",
        None if ready is None else ready <= READY_TARGET_S,
    )
    errors = sum(
        s.get("errors", 0)
        for result in data["configs"].values()
        for s in list((result.get("steps") or {}).values())
        + list((result.get("floor") or {}).values())
        if isinstance(s, dict)
    )
    add("errors, all steps and configurations", errors, "0", errors == 0)
    return rows


def problems(data: Dict) -> List[str]:
    """What makes a run fail (exit 1): any failed request (HTTP error, timeout, empty or
    malformed reply) in any step of any configuration."""
    found = []
    for name, result in data["configs"].items():
        for users, step in (result.get("steps") or {}).items():
            if step.get("errors"):
                found.append(f"{name}: {step['errors']} errors at {users} users")
        parse = _get(result, "floor", "parse")
        if parse and parse.get("errors"):
            found.append(f"{name}: {parse['errors']} errors on /model/parse")
    return found


def warnings(data: Dict) -> List[str]:
    """Replies that succeeded but were not the expected ones (what the model answered is
    the NLU's business: tests/test_stories.yml and the held-out set judge it)."""
    found = []
    for name, result in data["configs"].items():
        for item in result.get("warmup_unexpected") or []:
            found.append(
                f"{name}: {item['message']!r} did not get {item['expected']!r} "
                f"(got {item['got'][:80]!r})"
            )
    return found


# --------------------------------------------------------------------------- markdown


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(data: Dict) -> str:
    meta = data["meta"]
    m = meta["machine"]
    names = list(data["configs"])
    lines = [
        "# Benchmark results",
        "",
        f"Run {meta['date']} at commit `{meta.get('commit') or '?'}` ({meta['mode']} run, "
        f"{meta.get('wall_clock_s', '?')} s wall clock) on {m['cpus']} cores "
        f"({m['cpu_model'] or 'CPU'}), {m['memory_gib']} GiB, no GPU; Rasa {m['rasa']}. "
        f"Load average at start: {', '.join(str(x) for x in m['load_average_at_start'])}. "
        "Reproduce with `make bench`.",
        "",
        "Locust (headless) drives the REST webhook with whole conversations "
        "(bench/conversations.py: FAQ, drug questions, HER2 results in one message and "
        "through the form), each simulated person "
        + (
            f"pausing {meta['think_s'] / 2:g}–{meta['think_s'] * 1.5:g} s ({meta['think_s']:g} s "
            "on average) after every reply, each at their own pace (faster than anyone reads "
            "and types, so heavier than real use)"
            if meta.get("think_s")
            else "sending the next message as soon as the reply arrives"
        )
        + f"; {meta['step_seconds']:g} s per step. Latency is per message (one full turn: "
        "NLU, dialogue, custom actions, tracker store).",
        "",
        "| configuration | concurrent conversations | p50 ms | p95 ms | p99 ms | msg/s "
        "| errors | unexpected replies | server CPU ms/msg (Rasa + actions) "
        "| Rasa waiting for a CPU, ms/msg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in names:
        for users, s in (data["configs"][name].get("steps") or {}).items():
            lines.append(
                f"| {LABELS.get(name, name)} | {users} | {_fmt(s['p50_ms'])} | "
                f"{_fmt(s['p95_ms'])} | {_fmt(s['p99_ms'])} | {_fmt(s['rps'])} | "
                f"{s['errors']} | {s['unexpected']} | "
                f"{_fmt(s.get('rasa_cpu_ms_per_msg'))} + "
                f"{_fmt(s.get('actions_cpu_ms_per_msg'))} | "
                f"{_fmt(s.get('rasa_cpu_wait_ms_per_msg'))} |"
            )
    ratios = data.get("ratios")
    if ratios and ratios.get("steps"):
        lines += [
            "",
            "Project / peer, same run (throughput above 1 and latency below 1 favour the project):",
            "",
            "| concurrent conversations | msg/s | p50 | p95 | p99 | Rasa CPU per msg |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for users, r in ratios["steps"].items():
            lines.append(
                f"| {users} | {_fmt(r['rps'], 2)} | {_fmt(r['p50'], 2)} | "
                f"{_fmt(r['p95'], 2)} | {_fmt(r['p99'], 2)} | "
                f"{_fmt(r.get('rasa_cpu'), 2)} |"
            )
    rows = [
        ("training, s (wall clock)", "train_s", 1),
        ("training, CPU s (less sensitive to other load)", "train_cpu_s", 0),
        ("start to ready, s (Rasa + action server)", "ready_s", 1),
        ("Rasa server RSS after warm-up, MB", ("rss_mb", "rasa"), 0),
        ("action server RSS after warm-up, MB", ("rss_mb", "actions"), 0),
        ("Rasa server RSS after the load, MB", ("rss_after_load_mb", "rasa"), 0),
        ("held-out intent macro F1 (min label)", ("nlu", "intent"), 3),
        ("held-out FAQ-topic macro F1 (min label)", ("nlu", "faq"), 3),
        ("NLU only: `/model/parse` p50 / p95, ms (1 client)", ("floor", "parse"), 1),
        ("full turn p50 / p95, ms (1 conversation)", ("steps", "1"), 1),
        ("full turn / NLU only (p50)", ("floor", "turn_over_parse_p50"), 2),
        ("NLU only: Rasa CPU ms per `/model/parse`", ("floor", "parse", "rasa_cpu_ms_per_msg"), 1),
        (
            "full turn: Rasa CPU ms per message (1 conversation)",
            ("steps", "1", "rasa_cpu_ms_per_msg"),
            1,
        ),
    ]
    lines += [
        "",
        "| | " + " | ".join(LABELS.get(n, n) for n in names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    for label, key, digits in rows:
        cells = []
        for name in names:
            keys = key if isinstance(key, tuple) else (key,)
            value = _get(data["configs"][name], *keys)
            if isinstance(value, dict) and "macro_f1" in value:
                cell = f"{value['macro_f1']:.3f} ({value['min_f1']:.3f})"
            elif isinstance(value, dict) and "p50_ms" in value:
                cell = f"{_fmt(value['p50_ms'])} / {_fmt(value['p95_ms'])}"
            else:
                cell = _fmt(value, digits)
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    reused = [n for n in names if data["configs"][n].get("train_reused")]
    if reused:
        lines += [
            "",
            "Training times of "
            + ", ".join(
                f"{LABELS.get(n, n)} (measured {data['configs'][n]['trained_at']})" for n in reused
            )
            + ": that model's inputs (configuration, domain, data, components, knowledge, "
            "pinned packages) were unchanged since, so this run served it instead of training "
            "it again (`make bench BENCH_ARGS=--retrain` retrains).",
        ]
    lines += ["", "| target | value | goal | met |", "| --- | ---: | ---: | :---: |"]
    for t in data.get("targets", []):
        met = "–" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {_fmt(t['value'])} | {t['goal']} | {met} |")
    unexpected = {
        n: r.get("warmup_unexpected")
        for n, r in data["configs"].items()
        if r.get("warmup_unexpected")
    }
    if unexpected:
        lines += [
            "",
            "Replies that differed from the expected ones in the warm-up pass "
            "(the request succeeded; the model answered differently):",
            "",
        ]
        for name, items in unexpected.items():
            for item in items[:8]:
                lines.append(f'- {name}: "{item["message"]}" did not get "{item["expected"]}"')
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- plot


def plot(data: Dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    colours = {"project": "#1f77b4", "peer": "#d62728"}
    styles = {50: ":", 95: "-", 99: "--"}
    for name, result in data["configs"].items():
        steps = result.get("steps") or {}
        users = [int(u) for u in steps]
        if not users:
            continue
        for q, style in styles.items():
            left.plot(
                users,
                [steps[str(u)][f"p{q}_ms"] for u in users],
                style,
                marker="o",
                color=colours.get(name),
                label=f"{name} p{q}",
            )
        right.plot(
            users,
            [steps[str(u)]["rps"] for u in users],
            "-",
            marker="o",
            color=colours.get(name),
            label=name,
        )
    left.axhline(P95_TARGET_MS, color="grey", linewidth=0.8)
    left.annotate(
        f"p95 target at {P95_TARGET_USERS}: {P95_TARGET_MS} ms",
        (P95_TARGET_USERS, P95_TARGET_MS),
        textcoords="offset points",
        xytext=(4, -12),
        fontsize=8,
        color="grey",
    )
    for axis in (left, right):
        axis.set_xscale("log")
        axis.set_xlabel("concurrent conversations")
        axis.grid(True, which="both", alpha=0.3)
        ticks = sorted({int(u) for r in data["configs"].values() for u in (r.get("steps") or {})})
        axis.set_xticks(ticks)
        axis.set_xticklabels([str(t) for t in ticks])
    left.set_yscale("log")
    left.set_ylabel("latency per message, ms")
    left.set_title("Latency percentiles (full turn, REST)")
    left.legend(fontsize=8, ncol=2)
    right.set_ylabel("messages per second")
    right.set_title("Throughput")
    right.set_ylim(bottom=0)
    right.legend(fontsize=8)
    meta = data["meta"]
    fig.suptitle(
        f"HER2 assistant, Rasa {meta['machine']['rasa']}, {meta['machine']['cpus']} "
        f"cores, {meta['date']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(data: Dict, out: Path, latest: bool) -> List[Path]:
    """latest.json / latest.md / latency.png in ``out`` (bench.* for a smoke run)."""
    stem = "latest" if latest else "bench"
    paths = [out / f"{stem}.json", out / f"{stem}.md", out / "latency.png"]
    paths[0].write_text(json.dumps(data, indent=2) + "\n")
    md = markdown(data)
    paths[1].write_text(md + "\n![Latency and throughput](latency.png)\n")
    plot(data, paths[2])
    return paths


if __name__ == "__main__":  # re-render a run: python bench/report.py bench/results/latest.json
    import sys

    source = Path(sys.argv[1])
    run = json.loads(source.read_text())
    finish(run)
    write(run, source.parent, latest=source.name.startswith("latest"))
