"""The benchmark: this project's config.yml against Rasa's default configuration.

    scripts/bench.sh            # = make bench: the full run (docs/performance.md)
    scripts/bench.sh --smoke    # = make bench-smoke: tiny load, no training; with
                                #   --rasa-url/--action-url, seconds on a running stack

Full run, on the same domain and data:
  1. trains config.yml and bench/peer_config.yml (what `rasa init` trains), timed
     (wall clock and CPU), with Rasa's training cache off, into bench/models/;
  2. for each: starts the action server and the Rasa server (own ports, loopback, HTTP
     API on with a random token, the SQLite tracker store of endpoints.yml in a
     temporary directory) and times start -> ready (Rasa `GET /` and the action
     server's `/health` both answer); warms up with every conversation of the mix;
     records the resident memory of both processes; evaluates held-out NLU F1 on
     tests/nlu/holdout.yml through `/model/parse` (the computation of `rasa test nlu` +
     scripts/nlu_report.py);
  3. drives the REST webhook with Locust (headless, bench/locustfile.py) at 1, 10 and 50
     concurrent conversations, each step --step-seconds long, the two configurations
     interleaved at each step so that other load on the machine hits both alike; records
     the servers' CPU time per message;
  4. measures the floor: `/model/parse` alone (one client) against a full turn;
then writes bench/results/latest.json, latest.md and latency.png (bench/report.py) and
refreshes the generated block of the README's Performance section. Exits 1 if any
request failed.

No phase has a time limit that a slower machine could exceed: a training, a server
starting and a Locust step run as long as they keep printing, and each shows its progress
on the terminal (component and epoch N/M with the time left in it; step k of n); one that
prints nothing for bench/progress.py's STALL_S is stopped as stalled, naming the phase and
its last progress.

Runs under .venv-bench (Python 3.11, Locust); Rasa runs from .venv.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import psutil

# bench/ (this script's directory) is on sys.path; ops, the project's tooling, is installed
# into .venv-bench by scripts/bench.sh (pip install -e .).
import report
import yaml
from conversations import CONVERSATIONS, reply_text
from progress import (
    STALL_S,
    LocustProgress,
    Reporter,
    TrainingProgress,
    duration,
    locust_command,
    run_watched,
)

from ops.stack import SERVER_PYTHON, Stack, port_free, url_ok
from ops.training_fingerprint import training_fingerprint

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

RASA = ROOT / ".venv" / "bin" / "rasa"
LOCUST = Path(sys.executable).parent / "locust"
PY_SPY = Path(sys.executable).parent / "py-spy"
HOLDOUT = ROOT / "tests" / "nlu" / "holdout.yml"
SMOKE_MODEL = ROOT / "models" / "her2-assistant.tar.gz"

# name -> config file, (Rasa port, action server port), extra environment of both
# servers ("env") and of the Rasa server only ("rasa_env").
CONFIGS = {
    # The project's Rasa trains and serves as `make train` / `make run` run it
    # (python -m ops rasa: Rasa's CLI in-process with the run-time fixes of
    # rasa_fixes/); the peer as Rasa is installed (`rasa train`, `rasa run`).
    "project": {
        "config": ROOT / "config.yml",
        "ports": (6605, 6655),
        "env": {},
        "launcher": "project",
    },
    "peer": {"config": BENCH / "peer_config.yml", "ports": (6705, 6755), "env": {}},
}
SMOKE_PORTS = (6805, 6855)

# Environment of every Rasa process the bench trains with, as scripts/train_if_needed.sh
# has it (the servers get theirs from ops.stack.Stack, as `make run`'s).
BASE_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def server_env(extra: Dict[str, str]) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(BASE_ENV)
    env.update(extra)
    return env


def rasa_command(launch_as: str) -> List[str]:
    """The `rasa` command: "project", through the project's launcher (the run-time fixes
    applied, as `make run` and `make train` have them); else Rasa as installed."""
    if launch_as == "project":
        return [str(SERVER_PYTHON), "-m", "ops", "rasa"]
    return [str(RASA)]


# --------------------------------------------------------------------------- training


def train(name: str, config: Path, out_dir: Path, logs: Path) -> Dict:
    """`rasa train` with the graph cache off, so the time is a full training. No time
    limit: it runs while it prints (the component, epoch N/M; shown on the terminal) and
    is stopped only after STALL_S seconds without a word (bench/progress.py)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model_name = f"bench-{name}"
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        env = server_env(
            {**CONFIGS[name]["env"], "RASA_CACHE_DIRECTORY": cache, "RASA_MAX_CACHE_SIZE": "0"}
        )
        # Rasa's INFO level (no --quiet): it names each component as it starts training
        # it and draws the epoch progress bars, which --quiet turns off.
        command = [
            *rasa_command(CONFIGS[name].get("launcher", "rasa")),
            "train",
            "--config",
            str(config),
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(out_dir),
            "--fixed-model-name",
            model_name,
            "--force",
        ]
        log(
            f"training {name} ({config.relative_to(ROOT)}); log: "
            f"{_shown(logs / f'train-{name}.log')}"
        )
        started = time.monotonic()
        cpu_before = os.times()
        progress = TrainingProgress()
        returncode = run_watched(
            command, f"training {name}", logs / f"train-{name}.log", progress, cwd=ROOT, env=env
        )
        seconds = time.monotonic() - started
        log(
            f"training {name}: longest silence {progress.longest_silence_s:.0f} s (at: "
            f"{progress.longest_silence_after}); stall window {duration(STALL_S)}"
        )
        cpu_after = os.times()
        cpu_s = (cpu_after.children_user - cpu_before.children_user) + (
            cpu_after.children_system - cpu_before.children_system
        )
    model = out_dir / f"{model_name}.tar.gz"
    if returncode != 0 or not model.exists():
        raise RuntimeError(f"training {name} failed; see {logs / f'train-{name}.log'}")
    log(f"trained {name} in {seconds:.1f} s ({duration(seconds)}; {cpu_s:.0f} CPU s)")
    return {"seconds": round(seconds, 1), "cpu_s": round(cpu_s, 1), "model": str(model)}


def trained_model(name: str, args, logs: Path) -> Tuple[Path, Dict]:
    """The bench model of configuration ``name`` and its training record. Trains it, timed,
    unless a model trained from the same inputs (config, domain, data, components,
    knowledge, pinned packages) exists and --retrain was not given; then the training
    time is the one measured when that model was trained, and the report says so."""
    config = CONFIGS[name]["config"]
    model = BENCH / "models" / f"bench-{name}.tar.gz"
    record_path = model.with_suffix("").with_suffix(".json")
    fingerprint = training_fingerprint(config)
    if not args.retrain and model.exists() and record_path.exists():
        record = json.loads(record_path.read_text())
        if record.get("fingerprint") == fingerprint:
            log(
                f"{name}: training inputs unchanged since {record['trained_at']}: reusing "
                f"{_shown(model)} (trained in {record['train_s']} s; --retrain to retrain)"
            )
            return model, {
                "train_s": record["train_s"],
                "train_cpu_s": record["train_cpu_s"],
                "trained_at": record["trained_at"],
                "train_reused": True,
            }
    trained = train(name, config, BENCH / "models", logs)
    record = {
        "fingerprint": fingerprint,
        "train_s": trained["seconds"],
        "train_cpu_s": trained["cpu_s"],
        "trained_at": time.strftime("%Y-%m-%d %H:%M %Z"),
        "commit": git_commit(),
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    return Path(trained["model"]), {
        "train_s": record["train_s"],
        "train_cpu_s": record["train_cpu_s"],
        "trained_at": record["trained_at"],
        "train_reused": False,
    }


# --------------------------------------------------------------------------- servers


def http_ok(url: str, timeout: float = 2) -> bool:
    return url_ok(url, timeout)


def post_json(url: str, body: Dict, timeout: float = 30) -> Tuple[int, object]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def tree_rss_mb(pid: Optional[int]) -> Optional[float]:
    """Resident memory of a process and its children, in MB (10^6 bytes)."""
    if not pid:
        return None
    try:
        process = psutil.Process(pid)
        processes = [process] + process.children(recursive=True)
        total = 0
        for p in processes:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return round(total / 1e6, 1)
    except psutil.Error:
        return None


def tree_cpu_s(pid: Optional[int]) -> Optional[float]:
    """CPU time (user + system) used so far by a process and its children, in seconds."""
    if not pid:
        return None
    try:
        process = psutil.Process(pid)
        total = 0.0
        for p in [process] + process.children(recursive=True):
            try:
                times = p.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return None


def tree_wait_s(pid: Optional[int]) -> Optional[float]:
    """Time the process's threads (and children's) spent runnable but waiting for a CPU,
    in seconds (/proc/<pid>/task/<tid>/schedstat, 2nd field): what other load on the
    machine added to this server's latency."""
    if not pid:
        return None
    try:
        processes = [psutil.Process(pid)]
        processes += processes[0].children(recursive=True)
    except psutil.Error:
        return None
    total = 0
    for process in processes:
        for task in Path(f"/proc/{process.pid}/task").glob("*"):
            try:
                total += int((task / "schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return total / 1e9


def listening_pid(port: int) -> Optional[int]:
    try:
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
                return connection.pid
    except psutil.Error:
        pass
    return None


class Target:
    """What a configuration's measurements are taken on: its Rasa server and action server
    (started through ops.stack.Stack, the project's one launcher, or already running),
    their pids and the API token."""

    def __init__(
        self,
        name: str,
        rasa_url: str,
        action_url: str,
        token: Optional[str] = None,
        stack: Optional[Stack] = None,
    ):
        self.name = name
        self.rasa_url = rasa_url.rstrip("/")
        self.action_url = action_url.rstrip("/")
        self.token = token
        self.stack = stack
        self.pids: Dict[str, Optional[int]] = {}

    @classmethod
    def start(
        cls,
        name: str,
        model: Path,
        ports: Tuple[int, int],
        run_dir: Path,
        extra_env: Dict[str, str],
        stall_s: float = STALL_S,
        rasa_extra_env: Optional[Dict[str, str]] = None,
        launch_as: str = "rasa",
    ) -> Tuple["Target", Dict]:
        """Both servers on ``ports`` (loopback, the HTTP API on with a random token, REST
        only, the SQLite tracker store in a directory of their own), waited for with no
        time limit while their logs grow; on failure both are stopped."""
        rasa_port, action_port = ports
        for port in ports:
            if not port_free(port):
                raise RuntimeError(f"port {port} is in use; stop what runs there first")
        work = run_dir / name
        work.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(24)
        stack = Stack(
            run_dir=work,
            log_dir=work,
            tracker_db=work / "tracker.db",
            parts=("actions", "rasa"),
            rasa_port=rasa_port,
            action_port=action_port,
            model=model,
            env=extra_env,
            rasa_env=rasa_extra_env,
            api_token=token,
            host="127.0.0.1",
            interface="127.0.0.1",
            cors=[],
            credentials={"rest": None},
            rasa="project" if launch_as == "project" else "plain",
        )
        target = cls(name, stack.url, stack.action_url, token, stack)
        reporter = Reporter(f"starting {name}")
        try:
            stack.start(wait=False)
            # No time limit: each server is waited for while it is alive and its log grows.
            ready = stack.wait_ready(
                timeout=None, stall_s=stall_s, progress=reporter.update, phase=f"starting {name}"
            )
        except RuntimeError:
            stack.stop(grace_s=15)
            raise
        finally:
            reporter.done()
        target.pids = {part: stack.pid(part) for part in ("rasa", "actions")}
        timing = {
            "ready_s": round(max(ready.values()), 2),
            "rasa_ready_s": round(ready["rasa"], 2),
            "actions_ready_s": round(ready["actions"], 2),
        }
        log(
            f"{name}: ready in {timing['ready_s']} s (Rasa {timing['rasa_ready_s']} s, "
            f"actions {timing['actions_ready_s']} s)"
        )
        return target, timing

    @classmethod
    def attach(cls, name: str, rasa_url: str, action_url: str) -> "Target":
        target = cls(name, rasa_url, action_url)
        for key, url in (("rasa", rasa_url), ("actions", action_url)):
            port = urllib.parse.urlparse(url).port
            target.pids[key] = listening_pid(port) if port else None
        return target

    def cpu_s(self) -> Dict[str, Optional[float]]:
        return {key: tree_cpu_s(pid) for key, pid in self.pids.items()}

    def wait_s(self) -> Dict[str, Optional[float]]:
        return {key: tree_wait_s(pid) for key, pid in self.pids.items()}

    def rss_mb(self) -> Dict[str, Optional[float]]:
        return {key: tree_rss_mb(pid) for key, pid in self.pids.items()}

    def parse_url(self) -> str:
        return f"{self.rasa_url}/model/parse?token={self.token or ''}"

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop(grace_s=15)


# --------------------------------------------------------------------------- checks


def warm_up(stack: Target, passes: int) -> List[Dict]:
    """Holds every conversation of the mix ``passes`` times; returns unexpected replies."""
    unexpected = []
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    for number in range(passes):
        for name, turns in CONVERSATIONS.items():
            sender = f"warmup-{uuid.uuid4().hex}"
            for message, expected in turns:
                status, body = post_json(url, {"sender": sender, "message": message})
                text = reply_text(body) if isinstance(body, list) else ""
                if status != 200 or not body:
                    raise RuntimeError(
                        f"{stack.name}: warm-up request failed (HTTP {status}) for {message!r}"
                    )
                if number == 0 and expected not in text:
                    unexpected.append(
                        {
                            "conversation": name,
                            "message": message,
                            "expected": expected,
                            "got": text[:200],
                        }
                    )
    return unexpected


def load_holdout() -> List[Tuple[str, str, Optional[str]]]:
    """(text, intent, response key) for every example of the held-out NLU set."""
    examples = []
    for block in yaml.safe_load(HOLDOUT.read_text())["nlu"]:
        if "intent" not in block:
            continue
        full = block["intent"]
        intent, _, _ = full.partition("/")
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append((line[2:].strip(), intent, full if "/" in full else None))
    return examples


def classification_scores(targets: List[str], predictions: List[str]) -> Dict:
    """Macro F1 and per-label F1 as sklearn's classification_report computes them
    (labels: the union of targets and predictions; 0 where undefined)."""
    labels = sorted(set(targets) | set(predictions))
    per_label = {}
    for label in labels:
        tp = sum(1 for t, p in zip(targets, predictions) if t == label and p == label)
        fp = sum(1 for t, p in zip(targets, predictions) if t != label and p == label)
        fn = sum(1 for t, p in zip(targets, predictions) if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_label[label] = (
            2 * precision * recall / (precision + recall) if precision + recall else 0.0
        )
    macro = sum(per_label.values()) / len(per_label) if per_label else 0.0
    worst = min(per_label, key=per_label.get) if per_label else None
    accuracy = sum(1 for t, p in zip(targets, predictions) if t == p) / max(1, len(targets))
    return {
        "macro_f1": round(macro, 4),
        "min_f1": round(per_label.get(worst, 0.0), 4),
        "min_label": worst,
        "accuracy": round(accuracy, 4),
        "examples": len(targets),
    }


def undo_fallback(result: Dict) -> Optional[str]:
    """The intent `rasa test nlu` scores: the one under an nlu_fallback prediction."""
    intent = (result.get("intent") or {}).get("name")
    if intent == "nlu_fallback":
        ranking = [r for r in result.get("intent_ranking", []) if r.get("name") != intent]
        return ranking[0]["name"] if ranking else ""
    return intent


def response_key(result: Dict, retrieval_intent: str) -> str:
    selector = result.get("response_selector") or {}
    retrieval = selector.get(retrieval_intent) or selector.get("default") or {}
    return (retrieval.get("response") or {}).get("intent_response_key") or ""


def evaluate_nlu(stack: Target) -> Dict:
    """Held-out NLU F1 through /model/parse: intents and FAQ topics (response selection)."""
    examples = load_holdout()
    intents_true, intents_pred, keys_true, keys_pred = [], [], [], []
    reporter, started = Reporter(f"{stack.name}: held-out NLU"), time.monotonic()
    for number, (text, intent, key) in enumerate(examples, 1):
        reporter.update(
            f"example {number} of {len(examples)}, {duration(time.monotonic() - started)} in all"
        )
        status, result = post_json(stack.parse_url(), {"text": text})
        if status != 200 or not isinstance(result, dict):
            raise RuntimeError(f"{stack.name}: /model/parse answered HTTP {status}")
        intents_true.append(intent)
        intents_pred.append(undo_fallback(result) or "")
        if key:
            keys_true.append(key)
            keys_pred.append(response_key(result, intent))
    reporter.done()
    return {
        "intent": classification_scores(intents_true, intents_pred),
        "faq": classification_scores(keys_true, keys_pred),
    }


# --------------------------------------------------------------------------- load


def percentile(values: List[float], q: float) -> Optional[float]:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(record: Dict) -> Dict:
    requests = record["requests"]
    window = record["window"]
    ok_times = [r[1] for r in requests if r[2]]
    failures = sum(1 for r in requests if not r[2])
    duration = ((window["stop"] or 0) - (window["start"] or 0)) or None
    stats = {
        "requests": len(requests),
        "errors": failures,
        "unexpected": record["unexpected"]["count"],
        "duration_s": round(duration, 2) if duration else None,
        "rps": round(len(ok_times) / duration, 2) if duration else None,
    }
    for q in (50, 95, 99):
        value = percentile(ok_times, q)
        stats[f"p{q}_ms"] = round(value, 1) if value is not None else None
    stats["mean_ms"] = round(sum(ok_times) / len(ok_times), 1) if ok_times else None
    stats["max_ms"] = round(max(ok_times), 1) if ok_times else None
    by_name: Dict[str, List[float]] = {}
    for r in requests:
        if r[2]:
            by_name.setdefault(r[3], []).append(r[1])
    stats["by_kind"] = {
        name: {
            "requests": len(v),
            "p50_ms": round(percentile(v, 50), 1),
            "p95_ms": round(percentile(v, 95), 1),
        }
        for name, v in sorted(by_name.items())
    }
    if record["unexpected"]["examples"]:
        stats["unexpected_examples"] = record["unexpected"]["examples"][:5]
    return stats


def run_locust(
    stack: Target,
    user_class: str,
    users: int,
    seconds: float,
    out: Path,
    think_s: float = 0.0,
    step: str = "",
) -> Dict:
    """One headless Locust step, ``seconds`` long (Locust's --run-time). Its stats table
    every 2 s is its progress; it is stopped only if it prints nothing for STALL_S."""
    out.mkdir(parents=True, exist_ok=True)
    tag = f"{stack.name}-{user_class}-{users}"
    record = out / f"{tag}.json"
    env = dict(os.environ)
    env.update(
        {
            "BENCH_RECORD": str(record),
            "BENCH_AUTH_TOKEN": stack.token or "",
            "BENCH_THINK_S": str(think_s),
            "PYTHONPATH": str(BENCH),
        }
    )
    command = locust_command(LOCUST, user_class, stack.rasa_url, users, seconds, out / tag)
    cpu_before, wait_before = stack.cpu_s(), stack.wait_s()
    clients = "conversations" if user_class == "ConversationUser" else "parse clients"
    phase = f"load {step + ', ' if step else ''}{stack.name}, {users} {clients}"
    returncode = run_watched(
        command, phase, out / f"{tag}.log", LocustProgress(seconds), cwd=BENCH, env=env
    )
    cpu_after, wait_after = stack.cpu_s(), stack.wait_s()
    if returncode != 0 or not record.exists():
        raise RuntimeError(f"Locust failed ({tag}); see {out / f'{tag}.log'}")
    stats = summarise(json.loads(record.read_text()))
    stats["users"] = users
    # Server CPU per message: what a turn costs, nearly independent of other load on
    # the machine (latency and msg/s are not).
    for key in ("rasa", "actions"):
        if cpu_before.get(key) is not None and cpu_after.get(key) is not None and stats["requests"]:
            stats[f"{key}_cpu_ms_per_msg"] = round(
                1000 * (cpu_after[key] - cpu_before[key]) / stats["requests"], 1
            )
        if (
            wait_before.get(key) is not None
            and wait_after.get(key) is not None
            and stats["requests"]
        ):
            stats[f"{key}_cpu_wait_ms_per_msg"] = round(
                1000 * (wait_after[key] - wait_before[key]) / stats["requests"], 1
            )
    log(
        f"{tag}: {stats['requests']} requests, {stats['rps']} msg/s, p50 {stats['p50_ms']} "
        f"p95 {stats['p95_ms']} p99 {stats['p99_ms']} ms, errors {stats['errors']}, "
        f"unexpected {stats['unexpected']}, server CPU/msg "
        f"{stats.get('rasa_cpu_ms_per_msg')} + {stats.get('actions_cpu_ms_per_msg')} ms, "
        f"Rasa waiting for a CPU {stats.get('rasa_cpu_wait_ms_per_msg')} ms/msg"
    )
    return stats


def profile_servers(stack: Target, seconds: float, out: Path) -> List[str]:
    """py-spy samples both servers while a Locust step runs (speedscope format)."""
    targets = []
    for key, pid in stack.pids.items():
        if not pid or not PY_SPY.exists():
            continue
        target = out / f"profile-{stack.name}-{key}.speedscope.json"
        subprocess.Popen(
            [
                str(PY_SPY),
                "record",
                "--pid",
                str(pid),
                "--duration",
                f"{seconds:.0f}",
                "--format",
                "speedscope",
                "--output",
                str(target),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(out / "py-spy.log", "a"),
        )
        targets.append(str(target))
    return targets


# --------------------------------------------------------------------------- a configuration


def prepare(stack: Target, args, result: Dict) -> None:
    """Warm-up, resident memory, held-out NLU F1."""
    log(f"{stack.name}: warming up")
    result["warmup_unexpected"] = warm_up(stack, passes=args.warmup_passes)
    result["rss_mb"] = stack.rss_mb()
    log(f"{stack.name}: resident memory after warm-up {result['rss_mb']} MB")
    if stack.token is not None and args.nlu_eval:
        log(f"{stack.name}: held-out NLU evaluation")
        result["nlu"] = evaluate_nlu(stack)
        log(
            f"{stack.name}: intent macro F1 {result['nlu']['intent']['macro_f1']}, "
            f"FAQ macro F1 {result['nlu']['faq']['macro_f1']}"
        )


def load_steps(stacks: List[Target], args, out: Path, results: Dict[str, Dict]) -> None:
    """The Locust steps, configurations interleaved at each concurrency (so that a change
    in the machine's background load hits both alike), then the NLU-only floor."""
    total = len(args.users) * len(stacks) + sum(1 for s in stacks if s.token is not None)
    number = 0
    for users in args.users:
        for stack in stacks:
            result = results[stack.name]
            if args.profile and users == args.profile_users:
                result["profile"] = profile_servers(stack, args.step_seconds, out)
            number += 1
            result.setdefault("steps", {})[str(users)] = run_locust(
                stack,
                "ConversationUser",
                users,
                args.step_seconds,
                out / "locust",
                think_s=args.think,
                step=f"step {number}/{total}",
            )
    for stack in stacks:
        result = results[stack.name]
        if stack.token is not None:
            number += 1
            parse = run_locust(
                stack,
                "ParseUser",
                1,
                args.floor_seconds,
                out / "locust",
                step=f"step {number}/{total}",
            )
            result["floor"] = {"parse": parse}
            turn = (result.get("steps") or {}).get("1")
            if turn and turn["p50_ms"] and parse["p50_ms"]:
                result["floor"]["turn_over_parse_p50"] = round(turn["p50_ms"] / parse["p50_ms"], 2)
        result["rss_after_load_mb"] = stack.rss_mb()


def machine() -> Dict:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rasa_version = ""
    try:
        rasa_version = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "-c", "import rasa; print(rasa.__version__)"],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "gpu": "none",
        "os": platform.platform(),
        "rasa": rasa_version,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


# --------------------------------------------------------------------------- main


def parse_args(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="seconds: the trained project model, 2 users for 5 s, no peer, "
        "no training; results in a temporary directory",
    )
    parser.add_argument(
        "--rasa-url",
        default=os.environ.get("BENCH_RASA_URL"),
        help="smoke: use this running Rasa server instead of starting one",
    )
    parser.add_argument(
        "--action-url",
        default=os.environ.get("BENCH_ACTION_URL"),
        help="smoke: the running action server that goes with --rasa-url",
    )
    parser.add_argument("--configs", default="project,peer")
    parser.add_argument(
        "--users", default="1,10,50", help="concurrent conversations, one Locust step each"
    )
    parser.add_argument("--step-seconds", type=float, default=30)
    parser.add_argument("--floor-seconds", type=float, default=15)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="pause after each reply before the user's next message, s "
        "(default 1: faster than anyone reads and types; 0: back-to-back)",
    )
    parser.add_argument("--warmup-passes", type=int, default=2)
    parser.add_argument("--no-nlu-eval", dest="nlu_eval", action="store_false")
    parser.add_argument(
        "--skip-train",
        action="store_true",
        help="reuse the models in bench/models/ (no training times)",
    )
    parser.add_argument(
        "--retrain",
        action="store_true",
        help="train both configurations even if their inputs are unchanged "
        "since the models in bench/models/ were trained",
    )
    parser.add_argument(
        "--serve",
        action="append",
        default=[],
        metavar="NAME=MODEL",
        help="tuning experiments: serve this trained model as configuration "
        "NAME (no training; repeatable; replaces --configs)",
    )
    parser.add_argument(
        "--speedups",
        default="",
        metavar="NAMES",
        help="experiments: serve these configurations through the "
        "project's launcher (the run-time fixes of rasa_fixes/)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME:KEY=VALUE",
        help="experiments: set an environment variable for NAME's servers",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy record the Rasa server during the --profile-users step",
    )
    parser.add_argument("--profile-users", type=int, default=10)
    parser.add_argument(
        "--out",
        type=Path,
        help="results directory (default bench/results; smoke: a temporary directory)",
    )
    args = parser.parse_args(argv)
    args.users = [int(u) for u in str(args.users).split(",") if u]
    args.configs = [c for c in args.configs.split(",") if c]
    if args.serve:
        args.configs = []
        for number, item in enumerate(args.serve):
            name, _, model = item.partition("=")
            CONFIGS[name] = {
                "config": Path(model),
                "model": Path(model),
                "env": {},
                "launcher": "project",
                "ports": (6905 + 2 * number, 6955 + 2 * number),
            }
            args.configs.append(name)
    for item in args.server_env:
        name, _, assignment = item.partition(":")
        key, _, value = assignment.partition("=")
        if name in CONFIGS:
            CONFIGS[name]["env"] = {**CONFIGS[name]["env"], key: value}
    for name in [n for n in args.speedups.split(",") if n]:
        if name in CONFIGS:
            CONFIGS[name]["launcher"] = "project"
    if args.smoke:
        args.configs = ["project"]
        args.users = [2]
        args.step_seconds = 5
        args.floor_seconds = 2
        args.warmup_passes = 1
        args.think = 0.0
        args.nlu_eval = False
    return args


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    unknown = [c for c in args.configs if c not in CONFIGS]
    if unknown:
        print(f"unknown configuration(s): {unknown}; choose from {list(CONFIGS)}", file=sys.stderr)
        return 2
    out = args.out or (
        Path(tempfile.mkdtemp(prefix="bench-smoke-")) if args.smoke else BENCH / "results"
    )
    out.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="bench-run-"))
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    started = time.monotonic()
    data = {
        "meta": {
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "commit": git_commit(),
            "mode": "smoke" if args.smoke else "full",
            "machine": machine(),
            "users": args.users,
            "step_seconds": args.step_seconds,
            "floor_seconds": args.floor_seconds,
            "think_s": args.think,
            "configs": {name: _shown(CONFIGS[name]["config"]) for name in args.configs},
            "server_env": {
                name: {**CONFIGS[name]["env"], **CONFIGS[name].get("rasa_env", {})}
                for name in args.configs
            },
        },
        "configs": {},
    }
    stacks: List[Target] = []
    try:
        models = {}
        if args.smoke:
            if not args.rasa_url and not SMOKE_MODEL.exists():
                raise RuntimeError(f"{SMOKE_MODEL} is missing: run `make train` first")
            models["project"] = SMOKE_MODEL
        else:
            for name in args.configs:
                if CONFIGS[name].get("model"):
                    models[name] = CONFIGS[name]["model"]
                    continue
                model = BENCH / "models" / f"bench-{name}.tar.gz"
                if args.skip_train and model.exists():
                    models[name] = model
                    continue
                models[name], training = trained_model(name, args, logs)
                data["configs"].setdefault(name, {}).update(training)
        for name in args.configs:
            result = data["configs"].setdefault(name, {})
            if args.smoke and args.rasa_url:
                action_url = args.action_url or "http://127.0.0.1:5055"
                stack = Target.attach(name, args.rasa_url, action_url)
                if not (http_ok(f"{stack.rasa_url}/") and http_ok(f"{stack.action_url}/health")):
                    raise RuntimeError(f"not running: {stack.rasa_url} / {stack.action_url}")
                log(f"smoke: using the running servers at {stack.rasa_url}, {stack.action_url}")
            else:
                ports = SMOKE_PORTS if args.smoke else CONFIGS[name]["ports"]
                stack, timing = Target.start(
                    name,
                    models[name],
                    ports,
                    run_dir,
                    CONFIGS[name]["env"],
                    STALL_S,
                    CONFIGS[name].get("rasa_env"),
                    CONFIGS[name].get("launcher", "rasa"),
                )
                result.update(timing)
            stacks.append(stack)
            prepare(stack, args, result)
        load_steps(stacks, args, out, data["configs"])
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        for stack in stacks:
            stack.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
    data["meta"]["wall_clock_s"] = round(time.monotonic() - started, 1)
    report.finish(data)
    paths = report.write(data, out, latest=not args.smoke)
    log(f"wrote {', '.join(str(p) for p in paths)}")
    print(report.markdown(data))
    for warning in report.warnings(data):
        print(f"bench: warning: unexpected reply: {warning}", file=sys.stderr)
    problems = report.problems(data)
    for problem in problems:
        print(f"bench: FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
