"""Progress and stall detection for the benchmark's long phases (standard library only:
bench/run_bench.py runs it under .venv-bench, the tests under .venv).

A child process (``rasa train``, Locust) is not bounded by a wall-clock timeout that a
slower machine could exceed. Its output is read as it comes (``\\r``-separated progress
bar updates included), copied to its log file, parsed for progress, and shown on the
terminal as one compact line at most every few seconds. The child is stopped only when it
has printed nothing for ``STALL_S`` seconds: a stall, whatever the machine's speed.
"""

import codecs
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

# The stall window: a child that prints nothing for this long is taken as stuck and
# stopped (bench/TUNING.md, change 24). The longest silences measured in real trainings on
# this 2-core machine (load average about 1): 24 s in config.yml's (SafetyTriage fitting
# its scikit-learn classifiers), 18 s in the peer's (featurising before DIETClassifier);
# a peer epoch prints every 7-14 s, and a server that is loading is ready in 10-19 s.
# Under the heaviest sharing seen here (load average 8 on 2 cores) that is about 4x
# longer, ~100 s. 10 minutes is 25x the longest silence measured and 6x that.
STALL_S = 600.0

# How often the terminal gets a progress line: rewritten in place on a terminal; on a
# log (not a terminal) a new line this many times less often.
REPORT_EVERY_S = 3.0
LOG_REPORT_FACTOR = 10


class Stalled(RuntimeError):
    """A child printed nothing for the stall window and was stopped."""


def duration(seconds: Optional[float]) -> str:
    """'45s', '12m05s', '1h02m': short, so that a progress line fits 80 columns."""
    if seconds is None:
        return "?"
    seconds = int(round(max(0.0, seconds)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


# A tqdm bar as Rasa and TensorFlow print it:
#   "Epochs:  37%|███▋      | 37/100 [00:12<00:20,  3.05it/s, t_loss=1.2, i_acc=0.9]"
#   "Processed trackers: 100%|██████████| 80/80 [00:00<00:00, 761.98it/s]"
BAR = re.compile(
    r"(?P<desc>[A-Za-z][\w #.-]*?):\s+(?P<pct>\d+)%\|[^|]*\|\s*(?P<n>\d+)/(?P<total>\d+)"
    r"\s*\[(?P<elapsed>[\d:]+)<(?P<left>[\d:?]+)"
)
# Rasa's training hooks (INFO): "Starting to train component 'DIETClassifier'."
STARTING = re.compile(r"Starting to train component '(?P<name>[^']+)'")
FINISHED = re.compile(r"Finished training component '(?P<name>[^']+)'")


def _clock(text: str) -> Optional[float]:
    """tqdm's '01:02' or '1:01:02' in seconds; None for '?'."""
    try:
        parts = [int(p) for p in text.split(":")]
    except ValueError:
        return None
    total = 0
    for part in parts:
        total = total * 60 + part
    return float(total)


class OutputParser:
    """Splits a child's output into lines at '\\n' and '\\r' (progress bar updates), as
    it arrives in chunks of any size; subclasses read the lines."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.started = clock()
        self.partial = ""
        self.lines = 0
        # The longest time the child printed nothing, and what it had printed last then
        # (run_watched sets them; the bench logs them: what STALL_S is measured against).
        self.longest_silence_s = 0.0
        self.longest_silence_after = ""

    def feed(self, text: str) -> None:
        text = self.partial + text
        pieces = re.split(r"\r\n|\r|\n", text)
        self.partial = pieces.pop()
        for piece in pieces:
            self.lines += 1
            self.line(piece)

    def close(self) -> None:
        if self.partial:
            self.lines += 1
            self.line(self.partial)
            self.partial = ""

    def line(self, text: str) -> None:
        """One complete line (or one progress bar update)."""

    def pending(self) -> None:
        """A progress bar redraw waits for the next '\\r' to end it: read it now if it is
        complete, so the state is current (it is read again, harmlessly, when it ends)."""
        if self.partial.rstrip().endswith("]"):
            self.line(self.partial)

    def describe(self) -> str:
        return f"{duration(self.clock() - self.started)} in all"


class TrainingProgress(OutputParser):
    """`rasa train` output: the component being trained and its epoch out of the total,
    from Rasa's 'Starting to train component' lines and the 'Epochs' progress bars."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        super().__init__(clock)
        self.component: Optional[str] = None
        self.component_started: Optional[float] = None
        self.finished: List[str] = []
        self.finished_at: Optional[float] = None
        self.component_done = False
        self.epoch: Optional[int] = None
        self.epochs: Optional[int] = None
        self.bar_left_s: Optional[float] = None  # tqdm's own estimate
        self.bar_seen_at: Optional[float] = None
        self.first_epoch_at: Optional[float] = None  # when epoch 0/N was seen
        self.other: Optional[str] = None  # another bar: "Processed trackers 80/80"

    def line(self, text: str) -> None:
        match = STARTING.search(text)
        if match:
            self.component = match.group("name")
            self.component_started = self.clock()
            self.component_done = False
            self.epoch = self.epochs = self.bar_left_s = self.first_epoch_at = None
            self.other = None
            return
        match = FINISHED.search(text)
        if match:
            self.finished.append(match.group("name"))
            self.finished_at = self.clock()
            self.component_done = True
            self.epoch = self.epochs = self.bar_left_s = None
            self.other = None
            return
        bars = list(BAR.finditer(text))
        bar = bars[-1] if bars else None  # the last bar on the line is the current one
        if bar is None:
            return
        n, total = int(bar.group("n")), int(bar.group("total"))
        if bar.group("desc").strip() == "Epochs":
            if self.first_epoch_at is None or n < (self.epoch or 0):
                self.first_epoch_at = self.clock() - (_clock(bar.group("elapsed")) or 0)
            self.epoch, self.epochs = n, total
            self.bar_left_s = _clock(bar.group("left"))
            self.bar_seen_at = self.clock()
        else:
            self.other = f"{bar.group('desc').strip()} {n}/{total}"

    def left_s(self) -> Optional[float]:
        """Seconds left in the current component's epochs: tqdm's estimate, else the
        mean epoch time so far times the epochs left."""
        if self.epoch is None or not self.epochs:
            return None
        if self.epoch >= self.epochs:
            return 0.0
        if self.bar_left_s is not None and self.bar_seen_at is not None:
            return max(0.0, self.bar_left_s - (self.clock() - self.bar_seen_at))
        if self.epoch and self.first_epoch_at is not None:
            per_epoch = (self.clock() - self.first_epoch_at) / self.epoch
            return per_epoch * (self.epochs - self.epoch)
        return None

    def describe(self) -> str:
        """What matters first (a terminal line is cut at its width):
        'DIETClassifier epoch 63/100, 12m13s left; 17m03s in all, 8 components done'."""
        now = self.clock()
        if self.component and self.component_done and self.finished_at is not None:
            what = f"{self.component} done {duration(now - self.finished_at)} ago"
        elif self.component and self.epoch is not None:
            what = f"{self.component} epoch {self.epoch}/{self.epochs}"
            left = self.left_s()
            if left is not None and self.epoch < (self.epochs or 0):
                what += f", {duration(left)} left"
        elif self.component:
            what = (
                f"{self.component} {self.other}"
                if self.other
                else (f"{self.component}, {duration(now - (self.component_started or now))} in it")
            )
        else:
            what = self.other or "loading the data"
        return (
            f"{what}; {duration(now - self.started)} in all, {len(self.finished)} components done"
        )


class LocustProgress(OutputParser):
    """Locust's headless output: its stats table every 2 s, whose 'Aggregated' row gives
    the requests so far."""

    def __init__(self, run_time_s: float, clock: Callable[[], float] = time.monotonic):
        super().__init__(clock)
        self.run_time_s = run_time_s
        self.requests: Optional[int] = None
        self.failures: Optional[int] = None

    def line(self, text: str) -> None:
        match = re.match(r"\s*Aggregated\s+(\d+)\s+(\d+)\(", text)  # not the percentiles
        if match:
            self.requests, self.failures = int(match.group(1)), int(match.group(2))

    def describe(self) -> str:
        elapsed = self.clock() - self.started
        text = f"{duration(elapsed)} of {duration(self.run_time_s)}"
        if self.requests is not None:
            text += f", {self.requests} requests, {self.failures} failed"
        if elapsed > self.run_time_s:
            text += " (stopping)"
        return text


def locust_command(
    locust: Path,
    user_class: str,
    host: str,
    users: int,
    seconds: float,
    csv_prefix: Optional[Path] = None,
) -> List[str]:
    """The one headless Locust run of the benchmark and the scaling table: bench/locustfile.py's
    ``user_class``, all users spawned at once for ``seconds`` (Locust's --run-time), stopped
    without waiting for their tasks, failures recorded rather than turned into an exit code.
    Its stats table every 2 s is its progress (LocustProgress)."""
    bench = Path(__file__).resolve().parent
    command = [str(locust), "-f", str(bench / "locustfile.py"), user_class, "--headless"]
    command += ["--host", host, "--users", str(users), "--spawn-rate", str(users)]
    command += ["--run-time", f"{seconds:g}s", "--stop-timeout", "0"]
    if csv_prefix is not None:
        command += ["--csv", str(csv_prefix)]
    return command + ["--loglevel", "WARNING", "--exit-code-on-error", "0"]


class Reporter:
    """One compact progress line at most every REPORT_EVERY_S seconds: rewritten in place
    on a terminal, a new line LOG_REPORT_FACTOR times less often otherwise."""

    def __init__(
        self,
        prefix: str,
        stream=None,
        every_s: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.prefix = prefix
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every_s = (
            every_s
            if every_s is not None
            else (REPORT_EVERY_S if self.tty else REPORT_EVERY_S * LOG_REPORT_FACTOR)
        )
        self.clock = clock
        # On a log the first line comes after one interval: a short phase adds none.
        self.last_at: Optional[float] = None if self.tty else clock()
        self.last_text = ""
        self.open_line = False

    def update(self, text: str, force: bool = False) -> None:
        now = self.clock()
        if not force and self.last_at is not None and now - self.last_at < self.every_s:
            return
        if text == self.last_text and not force and not self.tty:
            return
        self.last_at, self.last_text = now, text
        line = f"[bench {time.strftime('%H:%M:%S')}] {self.prefix}: {text}"
        if self.tty:  # cut to the terminal's width: a wrapped line would not be rewritten
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\r\x1b[K" + line[:width])
            self.open_line = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False


def stop_group(process: subprocess.Popen, grace_s: float = 10) -> None:
    """SIGTERM to the child's process group, SIGKILL after ``grace_s``."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            pass


def run_watched(
    command: List[str],
    phase: str,
    log_path: Path,
    parser: OutputParser,
    cwd: Optional[Path] = None,
    env: Optional[Dict[str, str]] = None,
    stall_s: float = STALL_S,
    reporter: Optional[Reporter] = None,
) -> int:
    """Runs ``command`` to its end, however long it takes while it keeps printing; its
    output goes to ``log_path`` and ``parser``, progress to ``reporter``. Raises Stalled
    (after stopping it and its children) if it prints nothing for ``stall_s`` seconds.
    Returns its exit status."""
    reporter = reporter or Reporter(phase)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            selector = selectors.DefaultSelector()
            selector.register(process.stdout, selectors.EVENT_READ)
            last_output = time.monotonic()
            while True:
                events = selector.select(timeout=min(1.0, stall_s / 4))
                if events:
                    chunk = os.read(process.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    log.write(chunk)
                    log.flush()
                    now = time.monotonic()
                    if now - last_output > parser.longest_silence_s:
                        parser.longest_silence_s = now - last_output
                        parser.longest_silence_after = parser.describe()
                    parser.feed(decoder.decode(chunk))
                    parser.pending()
                    last_output = now
                silent = time.monotonic() - last_output
                if silent > stall_s:
                    reporter.done()
                    stop_group(process)
                    raise Stalled(
                        f"{phase}: stalled, no output for {duration(silent)} (stall window "
                        f"{duration(stall_s)}, bench/progress.py STALL_S); stopped it. "
                        f"Last progress: {parser.describe()}. See {log_path}"
                    )
                reporter.update(parser.describe())
            parser.feed(decoder.decode(b"", final=True))
            parser.close()
            try:  # its output closed: it is ending (or hangs without a word: a stall)
                process.wait(timeout=stall_s)
            except subprocess.TimeoutExpired:
                reporter.done()
                stop_group(process)
                raise Stalled(
                    f"{phase}: closed its output but did not exit within "
                    f"{duration(stall_s)}; stopped it. Last progress: "
                    f"{parser.describe()}. See {log_path}"
                ) from None
        finally:
            if process.poll() is None:
                stop_group(process)
            process.stdout.close()
    reporter.update(parser.describe(), force=True)
    reporter.done()
    return process.returncode
