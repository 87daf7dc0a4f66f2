"""The benchmark's stall detector on real child processes (bench/progress.py, ops.stack's
wait_ready): fake `rasa train` runs and fake servers that print, go silent, fail or die,
watched in real time (a few seconds each). The parser and reporter on their own:
tests/unit/bench/test_progress.py, beside the captured `rasa train` output replayed here.
"""

import io
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench.progress import Reporter, Stalled, TrainingProgress, run_watched
from ops import stack as ops_stack
from ops.stack import NotReady, wait_ready

CAPTURED = Path(__file__).resolve().parents[2] / "unit" / "bench" / "rasa_train_output.txt"


def _replay_child(tmp_path, text: str, pause_s: float, then_sleep_s: float, pieces: int):
    """A fake `rasa train`: prints ``text`` (real captured output) in ``pieces`` writes,
    ``pause_s`` apart, then sleeps ``then_sleep_s`` without a word."""
    source = tmp_path / "replay.txt"
    source.write_text(text, encoding="utf-8")
    script = tmp_path / "child.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys, time
        text = open({str(source)!r}, encoding="utf-8").read()
        step = max(1, len(text) // {pieces})
        for i in range(0, len(text), step):
            sys.stdout.write(text[i:i + step]); sys.stdout.flush()
            time.sleep({pause_s})
        time.sleep({then_sleep_s})
    """)
    )
    return [sys.executable, str(script)]


def test_a_child_that_goes_silent_is_stopped_after_the_window_naming_phase_and_progress(tmp_path):
    text = CAPTURED.read_text(encoding="utf-8")
    cut = text.index("]", text.index("2/3 [00:20<00:09")) + 1  # DIET, epoch 2 of 3
    command = _replay_child(tmp_path, text[:cut], pause_s=0.01, then_sleep_s=120, pieces=5)
    shown = io.StringIO()
    started = time.monotonic()
    with pytest.raises(Stalled) as stalled:
        run_watched(
            command,
            "training peer",
            tmp_path / "train.log",
            TrainingProgress(),
            stall_s=2.0,
            reporter=Reporter("training peer", stream=shown, every_s=0.2),
        )
    took = time.monotonic() - started
    assert 2.0 <= took < 20, took
    message = str(stalled.value)
    assert message.startswith("training peer: stalled, no output for 2s")
    assert "Last progress: DIETClassifier epoch 2/3" in message
    assert str(tmp_path / "train.log") in message
    # The child is gone, and everything it printed is in the log.
    assert (
        subprocess.run(["pgrep", "-f", str(tmp_path / "child.py")], capture_output=True).returncode
        == 1
    )
    assert (tmp_path / "train.log").read_text(encoding="utf-8") == text[:cut]
    assert "training peer: DIETClassifier epoch 2/3" in shown.getvalue()


def test_a_slow_child_that_keeps_printing_runs_to_its_end(tmp_path):
    text = CAPTURED.read_text(encoding="utf-8")
    # 400 writes 15 ms apart: 6 s in all, three times the 2 s window, never 2 s silent.
    command = _replay_child(tmp_path, text, pause_s=0.015, then_sleep_s=0, pieces=400)
    shown = io.StringIO()
    parser = TrainingProgress()
    started = time.monotonic()
    returncode = run_watched(
        command,
        "training peer",
        tmp_path / "train.log",
        parser,
        stall_s=2.0,
        reporter=Reporter("training peer", stream=shown, every_s=0),
    )
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
    assert (
        run_watched(
            command,
            "training x",
            tmp_path / "x.log",
            TrainingProgress(),
            stall_s=5,
            reporter=Reporter("x", stream=io.StringIO()),
        )
        == 3
    )
    assert (tmp_path / "x.log").read_text() == "bad config\n"


def _server(tmp_path, name, program):
    """A fake server: runs ``program`` (Python) with its output in <name>.log."""
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(program)],
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
    )
    return process, log


def _stop(*processes):
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_a_server_loading_slowly_while_it_prints_is_waited_for(tmp_path):
    """Ready after 4 s, printing a line every 0.3 s; the stall window is 1.5 s."""
    flag = tmp_path / "up"
    process, log = _server(
        tmp_path,
        "rasa",
        f"""
        import time, pathlib
        for i in range(13):
            print("loading", i, flush=True); time.sleep(0.3)
        pathlib.Path({str(flag)!r}).touch(); time.sleep(60)
    """,
    )
    try:
        ready = wait_ready(
            "starting peer",
            {"rasa": flag.exists},
            {"rasa": process},
            {"rasa": log},
            stall_s=1.5,
            progress=Reporter("starting peer", stream=io.StringIO()).update,
        )
    finally:
        _stop(process)
    assert 3.5 < ready["rasa"] < 15


def test_a_server_silent_and_not_ready_is_given_up_after_the_window(tmp_path):
    process, log = _server(
        tmp_path,
        "rasa",
        """
        import time
        print("Starting Rasa server", flush=True); time.sleep(60)
    """,
    )
    started = time.monotonic()
    try:
        with pytest.raises(ops_stack.Stalled) as stalled:
            wait_ready(
                "starting peer",
                {"rasa": lambda: False},
                {"rasa": process},
                {"rasa": log},
                stall_s=1.5,
                progress=Reporter("starting peer", stream=io.StringIO()).update,
            )
    finally:
        _stop(process)
    assert 1.5 < time.monotonic() - started < 10
    assert str(stalled.value).startswith(
        "starting peer: the rasa server is running but not ready, and its log has not grown"
    )
    assert str(log) in str(stalled.value)


def test_a_server_that_died_fails_at_once(tmp_path):
    process, log = _server(
        tmp_path,
        "actions",
        """
        import sys
        print("OSError: [Errno 98] address already in use", flush=True); sys.exit(1)
    """,
    )
    started = time.monotonic()
    try:
        with pytest.raises(NotReady, match=r"starting project: the actions server exited \(1\)"):
            wait_ready(
                "starting project",
                {"actions": lambda: False},
                {"actions": process},
                {"actions": log},
                stall_s=600,
                progress=Reporter("starting project", stream=io.StringIO()).update,
            )
    finally:
        _stop(process)
    assert time.monotonic() - started < 10
