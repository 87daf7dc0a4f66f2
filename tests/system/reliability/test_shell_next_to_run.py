"""`make shell` next to a running `make run` (issue 18, item 6).

`make run` (python -m ops run) runs on its own free ports; `make shell` (python -m ops
shell) then gets the environment `make shell` gets from the Makefile while that run is up: RASA_PORT,
ACTION_PORT and WEB_PORT are the run's, and RUN_DIR, LOG_DIR and TRACKER_DB the same
as the run's. (The run is not on 5005/5055/8080 themselves so that the test does not
collide with a `make run` or `make test` on this machine; the collision it checks is the
same.) The terminal chat must start its own servers beside the run's, answer a message
piped in with the bot's real replies, and leave the run's servers, files and logs alone.
"""

import os
import subprocess
import uuid

import yaml

from tests.system.stacklib import PYTHON, ROOT, RunScript, say, texts


def folded(text: str) -> str:
    return " ".join(text.split())


RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
DISCLAIMER = folded(RESPONSES["utter_disclaimer"][0]["text"])
IAMABOT = folded(RESPONSES["utter_iamabot"][0]["text"])
WHAT_IS_HER2 = folded(
    yaml.safe_load((ROOT / "data" / "responses" / "faq.yml").read_text())["responses"][
        "utter_faq/what_is_her2"
    ][0]["text"]
)


def test_shell_chats_in_the_terminal_while_make_run_is_running(tmp_path):
    run = RunScript(tmp_path)
    run.start()
    try:
        run_logs_before = {p.name: p.read_text(errors="replace") for p in run.log_dir.glob("*.log")}
        endpoints_before = (tmp_path / "run" / "endpoints.yml").read_text()
        shell = subprocess.run(
            [str(PYTHON), "-m", "ops", "shell"],
            cwd=ROOT,
            env=run.env,
            input="are you a bot?\nwhat is HER2?\n/stop\n",
            capture_output=True,
            text=True,
            timeout=600,
        )
        shell_logs = "\n".join(
            p.read_text(errors="replace") for p in run.log_dir.glob("*-shell.log")
        )
        assert shell.returncode == 0, (shell.stdout, shell.stderr, shell_logs[-3000:])
        replies = folded(shell.stdout)
        # First reply of the conversation: the disclaimer, then the answer; then the FAQ.
        assert replies.startswith(f"{DISCLAIMER} {IAMABOT} {WHAT_IS_HER2}"), shell.stdout
        assert replies.count(DISCLAIMER) == 1
        assert "address already in use" not in shell_logs

        # The run's servers still answer (the web chat's conversation is its own), on the
        # same tracker database, and nothing of the run was overwritten.
        me = f"web-{uuid.uuid4()}"
        assert [folded(t) for t in texts(say(run.url, me, "are you a bot?"))] == [
            DISCLAIMER,
            IAMABOT,
        ]
        for name, before in run_logs_before.items():
            assert (run.log_dir / name).read_text(errors="replace").startswith(before), name
        assert (tmp_path / "run" / "endpoints.yml").read_text() == endpoints_before
        assert f":{run.action_port}/" in endpoints_before
        shell_endpoints = (tmp_path / "run" / "shell" / "endpoints.yml").read_text()
        assert f":{run.action_port}/" not in shell_endpoints
        # The shell's own servers are gone; the run's are still there.
        processes = run.processes()
        assert run.proc.poll() is None
        assert not [cmd for cmd in _all_processes() if str(tmp_path / "run" / "shell") in cmd]
        assert any("-m ops actions" in cmd for cmd in processes.values())
    finally:
        run.close()


def _all_processes():
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    yield handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                continue


def test_piped_replies_are_plain_lines_buttons_numbered():
    from channels.console import reply_lines

    message = {
        "recipient_id": "x",
        "text": "Did this answer your question?",
        "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
    }
    assert reply_lines(message) == [
        "Did this answer your question?",
        "1: Yes (/affirm)",
        "2: No (/deny)",
    ]
    assert reply_lines({"image": "https://example.org/a.png"}) == [
        "Image: https://example.org/a.png"
    ]
