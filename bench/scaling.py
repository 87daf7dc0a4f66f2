"""The scaling table of `make bench`: throughput and p95 latency of the REST webhook
through nginx with 1, 2 and 3 Rasa replicas, from one run on this machine.

    .venv-bench/bin/python bench/scaling.py           # about 6 minutes
    .venv-bench/bin/python bench/scaling.py --smoke   # tiny load, ~3 minutes

(.venv-bench is the benchmark's virtualenv with Locust and the project's tooling;
scripts/bench.sh creates it.)

One run: one scale-out deployment is started (scripts/run_cluster.sh, through
ops/cluster.py: PostgreSQL, Redis, nginx, 3 Rasa replicas, 2 action
servers, on free loopback ports, torn down at the end). Every replica is warmed up
with one pass of the conversation mix. Then, for 1, 2 and 3 replicas, nginx is
reconfigured to balance over that many (a reload, no restart) and Locust drives the
same closed-loop load through nginx: bench/locustfile.py's ConversationUser, i.e. the
conversation mix of bench/conversations.py that `make bench` uses, --users simulated
people sending back-to-back. Throughput counts answered messages per second; p50/p95/
p99 are over answered messages. The machine's CPU use during each step is read from
/proc/stat.

Everything shares this machine's cores (os.cpu_count(): 2 here): replicas, action
servers, PostgreSQL, Redis, nginx and Locust itself. The table shows what replicas buy
on one small machine, not how a multi-node deployment scales.

Writes bench/results/scaling.json and bench/results/scaling.md.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from conversations import CONVERSATIONS, MIX  # bench/, this script's directory
from progress import STALL_S, LocustProgress, Reporter, locust_command, run_watched

from ops.cluster import Cluster

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"

DEFAULT_LOCUST = ROOT / ".venv-bench" / "bin" / "locust"
PROJECT_MODEL = ROOT / "models" / "her2-assistant.tar.gz"
BENCH_MODEL = BENCH / "models" / "bench-project.tar.gz"


def log(message: str) -> None:
    print(f"[scaling {time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: List[float], q: float) -> Optional[float]:
    """Linear interpolation between closest ranks (numpy's default, as run_bench.py)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def cpu_times() -> Tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def machine() -> Dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "load_average_at_start": os.getloadavg(),
        "commit": commit,
    }


def warm_up(cluster: Cluster) -> None:
    """One pass of the mix on every replica (first requests load caches)."""
    for index in range(len(cluster.rasa_ports)):
        for number, name in enumerate(dict.fromkeys(MIX)):
            sender = f"warmup-{index}-{number}-{int(time.time())}"
            for message, _ in CONVERSATIONS[name]:
                cluster.say(cluster.rasa_url(index), sender, message)


def run_locust(locust: Path, host: str, users: int, seconds: float, out: Path) -> Dict:
    record = out.with_suffix(".json")
    env = dict(os.environ)
    env.update({"BENCH_RECORD": str(record), "PYTHONPATH": str(BENCH)})
    command = locust_command(locust, "ConversationUser", host, users, seconds)
    # No time limit around it: its stats table every 2 s is its progress (bench/progress.py).
    returncode = run_watched(
        command,
        f"load {out.name}, {users} users",
        out.with_suffix(".log"),
        LocustProgress(seconds),
        cwd=BENCH,
        env=env,
        reporter=Reporter(f"scaling: {out.name}"),
    )
    if returncode != 0 or not record.exists():
        raise RuntimeError(f"Locust failed; see {out.with_suffix('.log')}")
    return json.loads(record.read_text())


def summarise(record: Dict) -> Dict:
    requests = record["requests"]
    window = record["window"]
    ok = [r[1] for r in requests if r[2]]
    duration = (window.get("stop") or 0) - (window.get("start") or 0)
    stats = {
        "requests": len(requests),
        "answered": len(ok),
        "errors": len(requests) - len(ok),
        "unexpected_replies": record.get("unexpected", {}).get("count", 0),
        "duration_s": round(duration, 1),
        "throughput_msg_s": round(len(ok) / duration, 2) if duration > 0 else None,
    }
    for q in (50, 95, 99):
        value = percentile(ok, q)
        stats[f"p{q}_ms"] = round(value) if value is not None else None
    return stats


def step(cluster: Cluster, replicas: int, args, work: Path) -> Dict:
    cluster.balance_over(replicas)
    first_row = len(cluster.access_log())
    busy0, total0 = cpu_times()
    record = run_locust(
        args.locust, cluster.lb_url, args.users, args.seconds, work / f"replicas-{replicas}"
    )
    busy1, total1 = cpu_times()
    stats = summarise(record)
    stats["replicas"] = replicas
    stats["cpu_busy_pct"] = round(100 * (busy1 - busy0) / max(1, total1 - total0), 1)
    served = {
        row[3].split(", ")[-1]
        for row in cluster.access_log()[first_row:]
        if row[1] == "/webhooks/rest/webhook"
    }
    stats["replicas_that_answered"] = len(served)
    stats["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    log(
        f"{replicas} replica(s): {stats['throughput_msg_s']} msg/s, p50 {stats['p50_ms']} "
        f"p95 {stats['p95_ms']} ms, errors {stats['errors']}, CPU {stats['cpu_busy_pct']}%"
    )
    return stats


def reading(steps: List[Dict], info: Dict) -> str:
    """What the rows say, worded from the numbers of this run."""
    base = steps[0]
    parts = []
    for s in steps[1:]:
        if base["throughput_msg_s"] and s["throughput_msg_s"]:
            parts.append(
                f"{s['replicas']} replicas: "
                f"{s['throughput_msg_s'] / base['throughput_msg_s']:.2f}x the "
                f"throughput of {base['replicas']}, p95 {s['p95_ms']} ms "
                f"against {base['p95_ms']} ms"
            )
    text = ("; ".join(parts) + ". ") if parts else ""
    cpus = info["cpus"]
    text += (
        f"One Rasa replica is one Python process with one event loop, so it can use "
        f"about one core: on {cpus} cores, replicas beyond {cpus} can only share them. "
    )
    if base["cpu_busy_pct"] >= 90:
        text += (
            f"In this run the cores were already {base['cpu_busy_pct']}% busy with "
            f"{base['replicas']} replica (the load generator, nginx, PostgreSQL and "
            f"the action servers run here too, and other work on this shared machine: "
            f"load average {info['load_average_at_start'][0]:.1f} at the start), so "
            f"there was no idle core for another replica to use; what extra replicas "
            f"gained came from taking a larger share of contended cores. Rerun on an "
            f"idle machine to see the second core put to use."
        )
    else:
        busiest = max(steps, key=lambda s: s["cpu_busy_pct"])
        text += (
            f"The cores were {base['cpu_busy_pct']}% busy with {base['replicas']} "
            f"replica and {busiest['cpu_busy_pct']}% with {busiest['replicas']}."
        )
    text += (
        " More throughput needs more cores or machines (more pods), not more "
        "replicas on the same cores."
    )
    return text


def markdown(result: Dict) -> str:
    m = result["machine"]
    lines = [
        "# Scaling: Rasa replicas behind nginx",
        "",
        f"One run of `bench/scaling.py` ({result['finished']}, commit {m['commit'] or '?'}) "
        f"on **{m['cpus']} CPU cores** ({m['cpu_model']}), {m['memory_gib']} GiB. Load "
        f"average (1, 5, 15 min) when it started: "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}; the machine is shared "
        f"with other work.",
        "",
        f"Everything runs on this one machine: the Rasa replicas, "
        f"{result['action_servers']} action servers, PostgreSQL, Redis, nginx and the load "
        f"generator. Load: Locust, {result['users']} simulated people sending the "
        f"conversation mix of `bench/conversations.py` back-to-back over REST through "
        f"nginx, {result['seconds']:g} s per row, after a warm-up pass on every replica. "
        f"Throughput counts answered messages per second; latencies are per message.",
        "",
        "| Rasa replicas | throughput (msg/s) | p50 (ms) | p95 (ms) | p99 (ms) | "
        "errors | CPU busy |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in result["steps"]:
        lines.append(
            f"| {s['replicas']} | {s['throughput_msg_s']} | {s['p50_ms']} | "
            f"{s['p95_ms']} | {s['p99_ms']} | {s['errors']} | "
            f"{s['cpu_busy_pct']}% |"
        )
    lines += [
        "",
        result["reading"],
        "",
        "Reproduce: `.venv-bench/bin/python bench/scaling.py` "
        "(raw numbers in `bench/results/scaling.json`).",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--replicas", default="1,2,3", help="replica counts to measure (default 1,2,3)"
    )
    parser.add_argument(
        "--users",
        type=int,
        default=12,
        help="simulated people, the same for every row (default 12)",
    )
    parser.add_argument("--seconds", type=float, default=45, help="per row (default 45)")
    parser.add_argument("--locust", type=Path, default=DEFAULT_LOCUST)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="4 users, 10 s per row: checks the machinery, not the numbers",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="default bench/results/ (--smoke: the run's log directory)",
    )
    args = parser.parse_args(argv)
    args.replicas = [int(x) for x in args.replicas.split(",")]
    if args.smoke:
        args.users, args.seconds = 4, 10
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.locust.exists():
        print(
            f"Locust not found at {args.locust}: run scripts/bench.sh once (it creates "
            f".venv-bench) or pass --locust.",
            file=sys.stderr,
        )
        return 1
    info = machine()
    # The model the cluster serves: the project's (`make train`); on a fresh clone, where
    # `make bench` has trained only its own, the bench's model of the same config.yml,
    # domain and data (bench/models/bench-project.tar.gz).
    if "CLUSTER_MODEL" not in os.environ and not PROJECT_MODEL.exists() and BENCH_MODEL.exists():
        os.environ["CLUSTER_MODEL"] = str(BENCH_MODEL)
    model = Path(os.environ.get("CLUSTER_MODEL", PROJECT_MODEL))
    if not model.exists():
        print(f"No model at {model}: run `make train` (or `make bench`) first.", file=sys.stderr)
        return 1
    log(f"model: {model}")
    work = ROOT / "logs" / "cluster-bench"
    work.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(
        replicas=max(args.replicas),
        action_servers=2,
        name="bench",
        log_dir=work / time.strftime("%Y%m%d-%H%M%S"),
    )
    try:
        log(
            f"starting a cluster with {max(args.replicas)} replicas (logs in "
            f"{cluster.log_dir.relative_to(ROOT)}) ..."
        )
        reporter = Reporter("scaling: starting the cluster")
        ready_s = cluster.start(stall_s=STALL_S, progress=reporter.update)
        reporter.done()
        log(f"ready in {ready_s:.0f} s; warming up every replica ...")
        warm_up(cluster)
        steps = [step(cluster, n, args, cluster.log_dir) for n in args.replicas]
    finally:
        cluster.stop()
    result = {
        "finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": info,
        "users": args.users,
        "seconds": args.seconds,
        "action_servers": 2,
        "smoke": args.smoke,
        "steps": steps,
        "load_generator": "Locust (bench/locustfile.py ConversationUser) through nginx",
    }
    result["reading"] = reading(steps, info)
    result["machine"]["load_average_at_end"] = os.getloadavg()
    if args.out is None:
        args.out = cluster.log_dir if args.smoke else RESULTS
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scaling.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "scaling.md").write_text(markdown(result))
    log(f"wrote {args.out / 'scaling.json'} and {args.out / 'scaling.md'}")
    bad = [s for s in steps if s["replicas_that_answered"] != s["replicas"] or not s["answered"]]
    if bad:
        print(
            f"rows where nginx did not use exactly that many replicas, or nothing was "
            f"answered: {bad}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
