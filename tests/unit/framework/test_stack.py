"""ops.stack, the one launcher, without starting a server: its ports, the commands and
environments it would start the servers with, its generated files, and the
wait-until-ready helper against an in-process HTTP server. (Starting real servers:
tests/system/reliability, which run `make run`, `make shell` and Stack itself.)"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from ops.__main__ import main as ops_main
from ops.stack import (
    MODEL,
    NotReady,
    Stack,
    Stalled,
    free_port,
    free_ports,
    listening,
    port_free,
    url_ok,
    wait_ready,
)


class Health(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server naming)
        status = 200 if self.path == "/health" else 404
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_free_ports_are_distinct_and_free():
    ports = free_ports(5)
    assert len(set(ports)) == 5
    assert all(port_free(p) and not listening(p) for p in ports)
    assert port_free(free_port())


def test_wait_ready_returns_when_every_url_answers(health_server):
    assert url_ok(f"{health_server}/health") and not url_ok(f"{health_server}/nope")
    ready = wait_ready(
        "starting", {"web": f"{health_server}/health", "flag": lambda: True}, timeout=5
    )
    assert set(ready) == {"web", "flag"} and all(0 <= s < 5 for s in ready.values())


def test_wait_ready_gives_up_after_the_timeout_naming_what_was_not_ready(health_server):
    started = time.monotonic()
    with pytest.raises(NotReady, match=r"starting: not ready after 1 s: rasa$"):
        wait_ready(
            "starting",
            {"web": f"{health_server}/health", "rasa": f"{health_server}/nope"},
            timeout=1,
        )
    assert time.monotonic() - started < 5


class Exited:
    """A server process that has exited with status 3 (what wait_ready reads of a Popen)."""

    returncode = 3

    def poll(self):
        return self.returncode


def test_wait_ready_fails_at_once_when_a_server_exits(tmp_path):
    process = Exited()
    started = time.monotonic()
    with pytest.raises(NotReady, match=r"the rasa server exited \(3\)"):
        wait_ready(
            "starting",
            {"rasa": lambda: False},
            {"rasa": process},
            {"rasa": tmp_path / "rasa.log"},
            timeout=60,
        )
    assert time.monotonic() - started < 10


def test_wait_ready_stall_window_counts_a_log_that_stopped_growing(tmp_path):
    sizes = iter(range(1, 6))  # grows five times, then stays still

    def size():
        return next(sizes, 5)

    with pytest.raises(Stalled, match="has not grown"):
        wait_ready(
            "starting", {"cluster": lambda: False}, logs={"cluster": size}, stall_s=0.5, poll_s=0.05
        )


def test_the_cli_wait_exits_1_for_a_url_that_does_not_answer(health_server, capsys):
    assert ops_main(["wait", f"{health_server}/health", "--timeout", "2"]) == 0
    assert ops_main(["wait", f"{health_server}/nope", "--timeout", "0.5"]) == 1
    assert "not ready after" in capsys.readouterr().err


def test_each_stack_has_its_own_ports_files_and_no_inherited_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "inherited-token-123456")
    monkeypatch.setenv("CORS_ORIGIN", "https://elsewhere.example")
    one, two = Stack(tmp_path / "one"), Stack(tmp_path / "two")
    assert (
        len(
            {
                one.rasa_port,
                one.action_port,
                one.web_port,
                two.rasa_port,
                two.action_port,
                two.web_port,
            }
        )
        == 6
    )
    assert "RASA_API_TOKEN" not in one.env and "CORS_ORIGIN" not in one.env
    assert one.env["TRACKER_DB"] == str(tmp_path / "one" / "tracker.db")
    assert one.db == tmp_path / "one" / "tracker.db"
    assert one.log_path("rasa") == tmp_path / "one" / "logs" / "rasa.log"
    shell = Stack(
        run_dir=tmp_path / "run" / "shell", log_dir=tmp_path / "logs", log_suffix="-shell"
    )
    assert shell.log_path("actions") == tmp_path / "logs" / "actions-shell.log"
    with pytest.raises(ValueError):
        Stack(tmp_path, parts=("rasa", "nginx"))


def test_the_project_rasa_command_and_environment(tmp_path):
    stack = Stack(tmp_path, api_token="a-token-long-enough-1234", interface="127.0.0.1")
    command = stack.command("rasa")
    assert command[1:5] == ["-m", "ops", "rasa", "run"]
    assert command[command.index("--model") + 1] == MODEL
    assert command[command.index("--port") + 1] == str(stack.rasa_port)
    assert command[command.index("--interface") + 1] == "127.0.0.1"
    assert command[command.index("--cors") + 1 :] == [f"http://localhost:{stack.web_port}"]
    assert "a-token-long-enough-1234" not in " ".join(command)
    env = stack.part_env("rasa")
    assert (env["RASA_ENABLE_API"], env["RASA_API_TOKEN"]) == ("true", "a-token-long-enough-1234")
    assert "RASA_API_TOKEN" not in stack.part_env("actions")
    assert stack.command("actions")[1:] == [
        "-m",
        "ops",
        "actions",
        "--actions",
        "actions",
        "--port",
        str(stack.action_port),
    ]
    assert stack.command("web")[1:] == [
        "-m",
        "ops",
        "web",
        "--port",
        str(stack.web_port),
        "--rasa-url",
        stack.url,
    ]


def test_rasa_as_installed_gets_the_api_flags_on_its_command_line(tmp_path):
    stack = Stack(tmp_path, rasa="plain", api_token="a-token-long-enough-1234", cors=[])
    command = stack.command("rasa")
    assert command[0].endswith("/rasa") and command[1] == "run"
    assert command[-2:] == ["--enable-api", "--auth-token=" + "a-token-long-enough-1234"]
    assert "--cors" not in command


def test_the_generated_files_name_this_stack(tmp_path):
    stack = Stack(tmp_path, host="127.0.0.1", credentials={"rest": None})
    stack.write_config()
    endpoints = yaml.safe_load((stack.run_dir / "endpoints.yml").read_text())
    assert endpoints["action_endpoint"]["url"] == f"http://127.0.0.1:{stack.action_port}/webhook"
    assert endpoints["tracker_store"]["db"] == str(tmp_path / "tracker.db")
    assert yaml.safe_load((stack.run_dir / "credentials.yml").read_text()) == {"rest": None}
    default = Stack(tmp_path / "default")
    default.write_config()
    credentials = yaml.safe_load((default.run_dir / "credentials.yml").read_text())
    assert credentials["channels.socketio.SafeSocketIOInput"]["allowed_origins"] == [
        f"http://localhost:{default.web_port}"
    ]


def test_an_unsafe_setting_is_refused_before_anything_starts(tmp_path):
    from ops.config import ConfigError

    stack = Stack(tmp_path, env={"CORS_ORIGIN": "*"})
    with pytest.raises(ConfigError, match="CORS_ORIGIN"):
        stack.start()
    assert stack.procs == {} and not stack.log_path("rasa").exists()
