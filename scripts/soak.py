"""Soak test: a few minutes of conversations against a private stack (`make soak`).

    python scripts/soak.py [--duration 180] [--workers 6] [--rasa-growth-mb 100]
                           [--actions-growth-mb 30]

Starts the action server and the Rasa server (ops.stack.Stack, as `make run` starts them)
on free ports with their own tracker DB and logs (in a temporary directory), warms them
up, then runs conversations from several workers at once for --duration seconds: HER2
results through the form, FAQ and drug questions, "delete my data", empty and over-long
messages, over REST and socket.io. The resident memory (VmRSS) of the Rasa server and of
the action server is sampled every few seconds.

Fails (exit 1) when
- any reply is missing, wrong, or the "can't look that up" apology, or a request fails;
- a server logs an ERROR;
- resident memory grows by more than the bound between the end of the warm-up and the
  end of the run (median of the last samples): 100 MB for the Rasa server (~1.05 GB
  with TensorFlow), 30 MB for the action server (~0.55 GB), by default. Measured on a
  busy 2-core machine: +3 MB and +1 MB over 180 s (1,111 messages).
Not part of `make test`.
"""

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid

from ops.probe import SocketChat, post, rss_kb, sqlite_integrity
from ops.stack import CLEAN_EXITS, Stack

APOLOGY = "I can't look that up right now"


def conversations(rng: random.Random):
    """(name, [(message, check)]) scripted conversations; check(texts) -> error or None."""
    ratio, copies = f"{rng.uniform(1.1, 2.9):.2f}", f"{rng.uniform(2.0, 7.5):.2f}"

    def has(*needles):
        def check(texts):
            joined = " ".join(texts)
            missing = [n for n in needles if n not in joined]
            return f"missing {missing}" if missing else None

        return check

    return rng.choice(
        [
            (
                "results",
                [
                    ("My HER2 IHC was 2+", has("FISH")),
                    (
                        f"The HER2/CEP17 ratio was {ratio} with {copies} copies per cell",
                        has("You told me:", f"ratio {float(ratio):g}", "Result:"),
                    ),
                    ("what treatments are used for that?", has("Source:")),
                ],
            ),
            (
                "faq",
                [
                    ("what is HER2?", has("protein", "Source:")),
                    ("How common is HER2-positive breast cancer?", has("Source:")),
                ],
            ),
            (
                "drug",
                [
                    ("how is trastuzumab given?", has("Source:")),
                    ("How is pertuzumab given?", has("Source:")),
                ],
            ),
            (
                "forget",
                [
                    ("My IHC was 3+", has("HER2-positive")),
                    ("delete my data", has("Do you want me to clear our conversation")),
                    ("/restart", has("cleared our conversation")),
                ],
            ),
            (
                "odd input",
                [
                    ("   ", has("empty")),
                    ("word " * 5000, has("only the first")),
                    ('/inform{"ihc_score": "3+"}', lambda texts: None),
                ],
            ),
        ]
    )


class Soak:
    def __init__(self, stack: Stack, seed: int):
        self.stack = stack
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.errors, self.latencies, self.turns, self.conversations = [], [], 0, 0

    def record(self, name, message, texts, elapsed, error=None):
        if error is None and (not texts or any(APOLOGY in t for t in texts)):
            error = f"no answer: {texts}"
        with self.lock:
            self.turns += 1
            self.latencies.append(elapsed)
            if error:
                self.errors.append(f"{name}: {message[:40]!r}: {error}")

    def rest(self, name, turns):
        sender = f"soak-{uuid.uuid4()}"
        for message, check in turns:
            try:
                status, reply, elapsed = post(
                    f"{self.stack.url}/webhooks/rest/webhook",
                    json.dumps({"sender": sender, "message": message}).encode(),
                    timeout=90,
                )
                texts = [m.get("text", "") for m in reply] if status == 200 else []
                self.record(
                    name,
                    message,
                    texts,
                    elapsed,
                    f"HTTP {status}" if status != 200 else check(texts),
                )
            except Exception as error:  # noqa: BLE001
                self.record(name, message, [], 0, repr(error))

    def socketio(self, name, turns):
        async def talk():
            async with SocketChat(
                self.stack.url, origin=f"http://localhost:{self.stack.web_port}"
            ) as chat:
                for message, check in turns:
                    started = time.monotonic()
                    replies = await chat.send(message, settle=1.0, timeout=90)
                    texts = [m.get("text", "") for m in replies]
                    self.record(
                        name, message, texts, time.monotonic() - started - 1.0, check(texts)
                    )

        try:
            asyncio.run(talk())
        except Exception as error:  # noqa: BLE001
            self.record(name, "(socket.io)", [], 0, repr(error))

    def worker(self, deadline: float, seed: int):
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            name, turns = conversations(rng)
            (self.socketio if rng.random() < 0.3 else self.rest)(name, turns)
            with self.lock:
                self.conversations += 1

    def run(self, seconds: float, workers: int):
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(target=self.worker, args=(deadline, self.rng.random()), daemon=True)
            for _ in range(workers)
        ]
        for thread in threads:
            thread.start()
        return threads


def sample(pids):
    return {name: rss_kb(pid) / 1024 for name, pid in pids.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180, help="seconds (default 180)")
    parser.add_argument("--warmup", type=float, default=40, help="seconds (default 40)")
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--rasa-growth-mb", type=float, default=100)
    parser.add_argument("--actions-growth-mb", type=float, default=30)
    parser.add_argument("--interval", type=float, default=5, help="RSS sampling, seconds")
    parser.add_argument("--seed", type=int, default=20241121)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="her2-soak-") as tmp:
        stack = Stack(tmp, parts=("actions", "rasa"))
        print(f"Starting a private stack on port {stack.rasa_port} ...", flush=True)
        try:
            stack.start()
            pids = {"rasa": stack.pid("rasa"), "actions": stack.pid("actions")}
            soak = Soak(stack, args.seed)

            print(f"Warm-up ({args.warmup:g} s) ...", flush=True)
            for thread in soak.run(args.warmup, args.workers):
                thread.join()
            warm_errors = list(soak.errors)
            baseline = sample(pids)
            print(
                "RSS after warm-up: " + ", ".join(f"{k} {v:.0f} MB" for k, v in baseline.items()),
                flush=True,
            )

            print(f"Soak ({args.duration:g} s, {args.workers} workers) ...", flush=True)
            soak.errors, soak.latencies, soak.turns, soak.conversations = [], [], 0, 0
            threads = soak.run(args.duration, args.workers)
            samples = [baseline]
            while any(t.is_alive() for t in threads):
                time.sleep(args.interval)
                samples.append(sample(pids))
            end = {k: statistics.median(s[k] for s in samples[-3:]) for k in pids}
            peak = {k: max(s[k] for s in samples) for k in pids}
            integrity = None
            codes = stack.stop()
            integrity = sqlite_integrity(stack.db)
            log_errors = [line for line in stack.logs().splitlines() if " ERROR " in line]
        finally:
            stack.close()

    bounds = {"rasa": args.rasa_growth_mb, "actions": args.actions_growth_mb}
    growth = {k: end[k] - baseline[k] for k in pids}
    lat = sorted(soak.latencies) or [0]
    print(
        f"\n{soak.conversations} conversations, {soak.turns} messages in "
        f"{args.duration:g} s; latency p50 {lat[len(lat) // 2]:.2f} s, "
        f"p95 {lat[int(len(lat) * 0.95)]:.2f} s, max {lat[-1]:.2f} s"
    )
    for name in pids:
        print(
            f"{name:8s} RSS {baseline[name]:7.0f} MB -> {end[name]:7.0f} MB "
            f"(peak {peak[name]:.0f} MB, growth {growth[name]:+.0f} MB, "
            f"bound {bounds[name]:g} MB)"
        )
    failures = [
        f"{k} RSS grew by {growth[k]:.0f} MB (bound {bounds[k]:g} MB)"
        for k in pids
        if growth[k] > bounds[k]
    ]
    failures += [f"reply error: {e}" for e in (warm_errors + soak.errors)[:20]]
    failures += [f"logged: {line[:200]}" for line in log_errors[:20]]
    failures += [
        f"the {name} server exited with {code} when stopped (None: it had to be killed)"
        for name, code in codes.items()
        if code not in CLEAN_EXITS
    ]
    if integrity != "ok":
        failures.append(f"tracker DB integrity: {integrity}")
    if soak.turns == 0:
        failures.append("no messages were sent")
    print("\nSOAK " + ("FAILED:\n  " + "\n  ".join(failures) if failures else "PASSED"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
