"""Stopping a server (SIGTERM) while clients keep opening connections, one request per
connection, as nginx sends them to a Rasa replica or an action server.

For each request the client sees one of: a reply; a refused (or unanswered) connection,
which nginx retries on another server; or a connection that was accepted and then
closed without a reply. The last is a lost message: nginx had already sent it, so it
answers 502 and never replays it. With serving/graceful_shutdown.py none is lost; Sanic's
plain shutdown loses some (the control run shows the test can see them).
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from sanic import Sanic

from ops import config as runtime_config
from ops.stack import listening, wait_ready
from serving import graceful_shutdown
from tests.system.stacklib import PYTHON, ROOT, free_port

CLIENTS = 12
STOP_AFTER_SECONDS = 1.0
LOAD_SECONDS = 3.0


def wait_until_listening(port: int, process: subprocess.Popen) -> None:
    wait_ready("the probe", {"probe": lambda: listening(port)}, {"probe": process}, timeout=60)


def one_request(port: int, number: int) -> str:
    sock = socket.socket()
    sock.settimeout(10)
    try:
        sock.connect(("127.0.0.1", port))
    except (ConnectionRefusedError, socket.timeout):
        sock.close()
        return "refused"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.sock = sock
    try:
        connection.request(
            "POST",
            "/turn",
            body=json.dumps({"n": number}),
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        body = json.loads(response.read())
        return (
            "answered"
            if response.status == 200 and body == {"received": {"n": number}}
            else f"status {response.status}"
        )
    except (OSError, http.client.HTTPException):
        return "lost"
    finally:
        connection.close()


def stop_under_load(mode: str) -> Counter:
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "tests.system.reliability.sanic_probe", str(port), mode],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_listening(port, server)
        outcomes: Counter = Counter()
        lock = threading.Lock()
        deadline = time.monotonic() + LOAD_SECONDS

        def client(first: int) -> None:
            number = first
            while time.monotonic() < deadline:
                outcome = one_request(port, number)
                with lock:
                    outcomes[outcome] += 1
                number += CLIENTS
                if outcome == "refused":
                    time.sleep(0.01)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(STOP_AFTER_SECONDS)
        answered_before_stop = outcomes["answered"]
        server.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(timeout=LOAD_SECONDS + 60)
        assert server.wait(timeout=30) == 0, server.stderr.read().decode()[-2000:]
        assert answered_before_stop > 20, "the load did not reach the server"
        assert outcomes["refused"] > 0, "the stop did not happen under load"
        return outcomes
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


@pytest.mark.parametrize("run", range(2))
def test_a_graceful_stop_loses_no_request_that_reached_the_server(run):
    outcomes = stop_under_load("graceful")
    assert set(outcomes) == {"answered", "refused"}, outcomes


def test_control_sanics_plain_stop_drops_requests_that_reached_it():
    outcomes = stop_under_load("plain")
    assert outcomes["lost"] > 0, outcomes


def test_the_rasa_server_started_by_make_run_and_the_cluster_stops_gracefully(
    monkeypatch, registered_listeners
):
    import rasa.__main__
    import rasa.core.run

    monkeypatch.setattr(rasa.core.run, "configure_app", rasa.core.run.configure_app)
    monkeypatch.setattr(sys, "argv", sys.argv)
    started = []
    monkeypatch.setattr(
        rasa.__main__, "main", lambda: started.append(rasa.core.run.configure_app(port=free_port()))
    )
    runtime_config.exec_rasa(["run"], env={})
    Sanic._app_registry.pop(started[0].name, None)
    assert (graceful_shutdown.before_server_stop, "before_server_stop") in registered_listeners


def test_looking_for_listening_sockets_leaves_no_file_descriptor_open(tmp_path):
    handles = [open(tmp_path / f"f{n}", "w") for n in range(5)]  # fds that are not sockets
    try:
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(3):
            for sock in graceful_shutdown.listening_sockets():
                sock.close()
        assert len(os.listdir("/proc/self/fd")) == before
    finally:
        for handle in handles:
            handle.close()
