"""The benchmark's progress parser and stall detector (bench/progress.py).

tests/unit/bench/rasa_train_output.txt is the real output of `rasa train` (Rasa 3.6.21, INFO
level, as bench/run_bench.py runs it) of bench/peer_config.yml with every `epochs: 100`
set to 3, on this project's domain and data, byte for byte except that the machine's
absolute paths were cut to relative ones. Its progress bars are tqdm's: redrawn after
'\\r', no newline until the bar closes.
"""
import io
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench.progress import (BAR, LocustProgress, Reporter, Stalled, TrainingProgress,
                            duration, run_watched)
from ops import stack as ops_stack
from ops.stack import NotReady, wait_ready

CAPTURED = Path(__file__).with_name("rasa_train_output.txt")


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Recording(TrainingProgress):
    """Records every (component, epoch, epochs) state it passes through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.states = []

    def line(self, text):
        super().line(text)
        state = (self.component, self.epoch, self.epochs)
        if not self.states or self.states[-1] != state:
            self.states.append(state)


def _states(chunks):
    """The (component, epoch, epochs) states the parser passes through, and the parser."""
    parser = Recording()
    for chunk in chunks:
        parser.feed(chunk)
        parser.pending()
    parser.close()
    return parser.states, parser


def _split(text, size):
    return [text[i:i + size] for i in range(0, len(text), size)]


def test_the_real_training_output_gives_each_component_and_its_epochs():
    text = CAPTURED.read_text(encoding="utf-8")
    states, parser = _states(_split(text, 4096))
    epochs = [s for s in states if s[1] is not None]
    assert epochs == [("DIETClassifier", n, 3) for n in range(4)] + \
        [("ResponseSelector", n, 3) for n in range(4)]
    assert parser.finished == re.findall(r"Finished training component '([^']+)'", text)
    assert parser.finished[-1] == "SafetyTriage" and len(parser.finished) == 12
    assert parser.describe().endswith("12 components done")


@pytest.mark.parametrize("size", [1, 7, 61, 500])
def test_chunk_boundaries_anywhere_give_the_same_progress(size):
    text = CAPTURED.read_text(encoding="utf-8")
    whole, _ = _states([text[:i] for i in [len(text)]])
    reference, _ = _states(_split(text, 4096))
    chunked, parser = _states(_split(text, size))
    epochs_of = lambda states: [s for s in states if s[1] is not None]  # noqa: E731
    assert epochs_of(chunked) == epochs_of(reference)
    assert parser.finished == _states([text])[1].finished
    assert whole[-1] == chunked[-1]


def test_mid_training_the_line_names_component_epoch_time_left_and_elapsed():
    text = CAPTURED.read_text(encoding="utf-8")
    # Up to DIETClassifier's first epoch: "| 1/3 [00:13<00:27, 13.70s/it]" (no '\r' yet
    # after it: tqdm ends a redraw only with the next one).
    cut = text.index("1/3 [00:13<00:27")
    cut = text.index("]", cut) + 1
    clock = FakeClock()
    parser = TrainingProgress(clock=clock)
    clock.now += 100
    parser.feed(text[:cut])
    parser.pending()
    assert (parser.component, parser.epoch, parser.epochs) == ("DIETClassifier", 1, 3)
    assert parser.left_s() == 27
    clock.now += 10
    line = parser.describe()
    assert line == "DIETClassifier epoch 1/3, 17s left; 1m50s in all, 8 components done"


def test_before_the_first_component_and_between_epochs():
    parser = TrainingProgress(clock=FakeClock())
    assert parser.describe().startswith("loading the data; ")
    parser.feed("2026-12-06 17:10:18 INFO     rasa.engine.training.hooks  - Starting to "
                "train component 'RulePolicy'.\n")
    parser.feed("\rProcessed trackers:  96%|█████████▋| 77/80 [00:00<00:00, 767.37it/s]")
    parser.pending()
    assert parser.describe().startswith("RulePolicy Processed trackers 77/80; ")


def test_the_bar_pattern_reads_tqdm_bars_with_and_without_metrics():
    bars = ["Epochs:  37%|███▋      | 37/100 [00:12<00:20,  3.05it/s, t_loss=1.2, i_acc=0.9]",
            "Epochs:   0%|          | 0/3 [00:00<?, ?it/s]",
            "Epochs: 100%|██████████| 3/3 [1:00:30<00:00, 10.26s/it, t_loss=2.65]"]
    read = [(m.group("n"), m.group("total"), m.group("left"))
            for m in (BAR.search(b) for b in bars)]
    assert read == [("37", "100", "00:20"), ("0", "3", "?"), ("3", "3", "00:00")]


def test_durations_read_as_people_write_them():
    assert [duration(s) for s in (0, 45.4, 65, 3599, 3720)] == \
        ["0s", "45s", "1m05s", "59m59s", "1h02m"]


def _replay_child(tmp_path, text: str, pause_s: float, then_sleep_s: float, pieces: int):
    """A fake `rasa train`: prints ``text`` (real captured output) in ``pieces`` writes,
    ``pause_s`` apart, then sleeps ``then_sleep_s`` without a word."""
    source = tmp_path / "replay.txt"
    source.write_text(text, encoding="utf-8")
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        text = open({str(source)!r}, encoding="utf-8").read()
        step = max(1, len(text) // {pieces})
        for i in range(0, len(text), step):
            sys.stdout.write(text[i:i + step]); sys.stdout.flush()
            time.sleep({pause_s})
        time.sleep({then_sleep_s})
    """))
    return [sys.executable, str(script)]


def test_a_child_that_goes_silent_is_stopped_after_the_window_naming_phase_and_progress(
        tmp_path):
    text = CAPTURED.read_text(encoding="utf-8")
    cut = text.index("]", text.index("2/3 [00:20<00:09")) + 1   # DIET, epoch 2 of 3
    command = _replay_child(tmp_path, text[:cut], pause_s=0.01, then_sleep_s=120, pieces=5)
    shown = io.StringIO()
    started = time.monotonic()
    with pytest.raises(Stalled) as stalled:
        run_watched(command, "training peer", tmp_path / "train.log", TrainingProgress(),
                    stall_s=2.0, reporter=Reporter("training peer", stream=shown,
                                                   every_s=0.2))
    took = time.monotonic() - started
    assert 2.0 <= took < 20, took
    message = str(stalled.value)
    assert message.startswith("training peer: stalled, no output for 2s")
    assert "Last progress: DIETClassifier epoch 2/3" in message
    assert str(tmp_path / "train.log") in message
    # The child is gone, and everything it printed is in the log.
    assert subprocess.run(["pgrep", "-f", str(tmp_path / "child.py")],
                          capture_output=True).returncode == 1
    assert (tmp_path / "train.log").read_text(encoding="utf-8") == text[:cut]
    assert "training peer: DIETClassifier epoch 2/3" in shown.getvalue()


def test_a_slow_child_that_keeps_printing_runs_to_its_end(tmp_path):
    text = CAPTURED.read_text(encoding="utf-8")
    # 400 writes 15 ms apart: 6 s in all, three times the 2 s window, never 2 s silent.
    command = _replay_child(tmp_path, text, pause_s=0.015, then_sleep_s=0, pieces=400)
    shown = io.StringIO()
    parser = TrainingProgress()
    started = time.monotonic()
    returncode = run_watched(command, "training peer", tmp_path / "train.log", parser,
                             stall_s=2.0, reporter=Reporter("training peer", stream=shown,
                                                            every_s=0))
    assert returncode == 0
    assert time.monotonic() - started > 5
    assert (tmp_path / "train.log").read_text(encoding="utf-8") == text
    assert len(parser.finished) == 12
    assert 0.01 < parser.longest_silence_s < 2.0
    progress_lines = shown.getvalue().splitlines()
    assert any("training peer: DIETClassifier epoch" in line for line in progress_lines)
    assert progress_lines[-1].endswith("12 components done")


def test_the_exit_status_of_a_failing_child_is_returned(tmp_path):
    command = [sys.executable, "-c", "import sys; print('bad config'); sys.exit(3)"]
    assert run_watched(command, "training x", tmp_path / "x.log", TrainingProgress(),
                       stall_s=5, reporter=Reporter("x", stream=io.StringIO())) == 3
    assert (tmp_path / "x.log").read_text() == "bad config\n"


def test_reporter_writes_at_most_one_line_per_interval_on_a_log():
    clock, stream = FakeClock(), io.StringIO()
    reporter = Reporter("load step 1 of 8", stream=stream, every_s=30, clock=clock)
    for _ in range(100):            # 100 updates over 50 s
        reporter.update("working")
        clock.now += 0.5
    clock.now += 11                 # 61 s
    reporter.update("12s of 30s")
    assert stream.getvalue().count("\n") == 2
    assert stream.getvalue().splitlines()[0].endswith("load step 1 of 8: working")


def test_locust_progress_reads_the_requests_so_far_from_its_stats_table():
    """tests/unit/bench/locust_output.txt: Locust 2.47's real output of a bench smoke step
    (`scripts/bench.sh --smoke`, 2 conversations for 5 s), its stats table every 2 s."""
    clock = FakeClock()
    parser = LocustProgress(30, clock=clock)
    assert parser.describe() == "0s of 30s"
    text = Path(__file__).with_name("locust_output.txt").read_text(encoding="utf-8")
    seen = []
    for line in text.splitlines(keepends=True):
        parser.feed(line)
        if parser.requests is not None and (not seen or seen[-1] != parser.requests):
            seen.append(parser.requests)
    assert seen == [0, 90, 173, 210]
    clock.now += 12
    assert parser.describe() == "12s of 30s, 210 requests, 0 failed"
    clock.now += 20
    assert parser.describe().endswith("(stopping)")


def _server(tmp_path, name, program):
    """A fake server: runs ``program`` (Python) with its output in <name>.log."""
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(program)],
                               stdout=open(log, "w"), stderr=subprocess.STDOUT)
    return process, log


def _stop(*processes):
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_a_server_loading_slowly_while_it_prints_is_waited_for(tmp_path):
    """Ready after 4 s, printing a line every 0.3 s; the stall window is 1.5 s."""
    flag = tmp_path / "up"
    process, log = _server(tmp_path, "rasa", f"""
        import time, pathlib
        for i in range(13):
            print("loading", i, flush=True); time.sleep(0.3)
        pathlib.Path({str(flag)!r}).touch(); time.sleep(60)
    """)
    try:
        ready = wait_ready("starting peer", {"rasa": flag.exists}, {"rasa": process},
                           {"rasa": log}, stall_s=1.5,
                           progress=Reporter("starting peer", stream=io.StringIO()).update)
    finally:
        _stop(process)
    assert 3.5 < ready["rasa"] < 15


def test_a_server_silent_and_not_ready_is_given_up_after_the_window(tmp_path):
    process, log = _server(tmp_path, "rasa", """
        import time
        print("Starting Rasa server", flush=True); time.sleep(60)
    """)
    started = time.monotonic()
    try:
        with pytest.raises(ops_stack.Stalled) as stalled:
            wait_ready("starting peer", {"rasa": lambda: False}, {"rasa": process},
                       {"rasa": log}, stall_s=1.5,
                       progress=Reporter("starting peer", stream=io.StringIO()).update)
    finally:
        _stop(process)
    assert 1.5 < time.monotonic() - started < 10
    assert str(stalled.value).startswith(
        "starting peer: the rasa server is running but not ready, and its log has not grown")
    assert str(log) in str(stalled.value)


def test_a_server_that_died_fails_at_once(tmp_path):
    process, log = _server(tmp_path, "actions", """
        import sys
        print("OSError: [Errno 98] address already in use", flush=True); sys.exit(1)
    """)
    started = time.monotonic()
    try:
        with pytest.raises(NotReady, match=r"starting project: the actions server exited \(1\)"):
            wait_ready("starting project", {"actions": lambda: False},
                       {"actions": process}, {"actions": log}, stall_s=600,
                       progress=Reporter("starting project", stream=io.StringIO()).update)
    finally:
        _stop(process)
    assert time.monotonic() - started < 10


def test_reporter_rewrites_one_line_in_place_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    clock, stream = FakeClock(), Terminal()
    reporter = Reporter("training peer", stream=stream, every_s=3, clock=clock)
    reporter.update("epoch 1/100")       # at once on a terminal
    clock.now += 1
    reporter.update("epoch 2/100")       # too soon: not shown
    clock.now += 3
    reporter.update("epoch 5/100")
    reporter.done()
    shown = stream.getvalue()
    assert shown.count("\r\x1b[K") == 2 and shown.endswith("epoch 5/100\n")
    assert "epoch 2/100" not in shown and shown.count("\n") == 1
