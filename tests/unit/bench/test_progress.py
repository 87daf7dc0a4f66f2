"""The benchmark's progress parser and reporter (bench/progress.py); the stall detector on
real child processes: tests/system/bench/test_progress_processes.py.

tests/unit/bench/rasa_train_output.txt is the real output of `rasa train` (Rasa 3.6.21, INFO
level, as bench/run_bench.py runs it) of bench/peer_config.yml with every `epochs: 100`
set to 3, on this project's domain and data, byte for byte except that the machine's
absolute paths were cut to relative ones. Its progress bars are tqdm's: redrawn after
'\\r', no newline until the bar closes.
"""

import io
import re
from pathlib import Path

import pytest

from bench.progress import (
    BAR,
    LocustProgress,
    Reporter,
    TrainingProgress,
    duration,
    locust_command,
)
from tests.unit.lib import ROOT

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
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_the_real_training_output_gives_each_component_and_its_epochs():
    text = CAPTURED.read_text(encoding="utf-8")
    states, parser = _states(_split(text, 4096))
    epochs = [s for s in states if s[1] is not None]
    assert epochs == [("DIETClassifier", n, 3) for n in range(4)] + [
        ("ResponseSelector", n, 3) for n in range(4)
    ]
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
    parser.feed(
        "2026-12-06 17:10:18 INFO     rasa.engine.training.hooks  - Starting to "
        "train component 'RulePolicy'.\n"
    )
    parser.feed("\rProcessed trackers:  96%|█████████▋| 77/80 [00:00<00:00, 767.37it/s]")
    parser.pending()
    assert parser.describe().startswith("RulePolicy Processed trackers 77/80; ")


def test_the_bar_pattern_reads_tqdm_bars_with_and_without_metrics():
    bars = [
        "Epochs:  37%|███▋      | 37/100 [00:12<00:20,  3.05it/s, t_loss=1.2, i_acc=0.9]",
        "Epochs:   0%|          | 0/3 [00:00<?, ?it/s]",
        "Epochs: 100%|██████████| 3/3 [1:00:30<00:00, 10.26s/it, t_loss=2.65]",
    ]
    read = [
        (m.group("n"), m.group("total"), m.group("left")) for m in (BAR.search(b) for b in bars)
    ]
    assert read == [("37", "100", "00:20"), ("0", "3", "?"), ("3", "3", "00:00")]


def test_durations_read_as_people_write_them():
    assert [duration(s) for s in (0, 45.4, 65, 3599, 3720)] == [
        "0s",
        "45s",
        "1m05s",
        "59m59s",
        "1h02m",
    ]


def test_reporter_writes_at_most_one_line_per_interval_on_a_log():
    clock, stream = FakeClock(), io.StringIO()
    reporter = Reporter("load step 1 of 8", stream=stream, every_s=30, clock=clock)
    for _ in range(100):  # 100 updates over 50 s
        reporter.update("working")
        clock.now += 0.5
    clock.now += 11  # 61 s
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


def test_reporter_rewrites_one_line_in_place_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    clock, stream = FakeClock(), Terminal()
    reporter = Reporter("training peer", stream=stream, every_s=3, clock=clock)
    reporter.update("epoch 1/100")  # at once on a terminal
    clock.now += 1
    reporter.update("epoch 2/100")  # too soon: not shown
    clock.now += 3
    reporter.update("epoch 5/100")
    reporter.done()
    shown = stream.getvalue()
    assert shown.count("\r\x1b[K") == 2 and shown.endswith("epoch 5/100\n")
    assert "epoch 2/100" not in shown and shown.count("\n") == 1


def test_the_benchmark_and_the_scaling_table_run_locust_the_same_way():
    """bench/run_bench.py (with a CSV of each step) and bench/scaling.py (without) build the
    one command: all users at once, for the run time, stopped at once, errors recorded."""
    locust = Path("/venv/bin/locust")
    plain = locust_command(locust, "ConversationUser", "http://127.0.0.1:8080", 10, 30)
    assert plain[:3] == [str(locust), "-f", str(ROOT / "bench" / "locustfile.py")]
    assert plain[3:] == [
        "ConversationUser",
        "--headless",
        "--host",
        "http://127.0.0.1:8080",
        "--users",
        "10",
        "--spawn-rate",
        "10",
        "--run-time",
        "30s",
        "--stop-timeout",
        "0",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    with_csv = locust_command(locust, "ParseUser", "http://h", 1, 2.5, Path("out/step"))
    assert with_csv[with_csv.index("--csv") + 1] == "out/step"
    assert with_csv[with_csv.index("--run-time") + 1] == "2.5s"
