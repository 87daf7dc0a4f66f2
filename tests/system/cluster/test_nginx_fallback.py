"""nginx's own reply when no Rasa replica can answer a REST message.

The cluster's nginx configuration (deploy/nginx.cluster.conf.template, rendered by
ops/cluster_config.py) run by the real nginx in front of replica ports where nothing
listens: the client gets a reply in the REST format with the "please send it again"
message, never an empty 502. (With a replica alive, tests/system/cluster/test_cluster.py shows
the message retried and answered.) Needs no cluster: about a second.
"""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from ops.cluster_config import RESEND_REPLY, nginx_conf
from ops.stack import free_ports

pytestmark = pytest.mark.cluster


@pytest.fixture
def nginx_without_replicas(tmp_path):
    lb_port, action_lb_port, web_port, *dead = free_ports(6)
    nginx_dir = tmp_path / "nginx"
    (nginx_dir / "temp").mkdir(parents=True)
    env = {
        "CLUSTER_RASA_PORTS": f"{dead[0]},{dead[1]}",
        "CLUSTER_ACTION_PORTS": str(dead[2]),
        "CLUSTER_LB_PORT": str(lb_port),
        "CLUSTER_ACTION_LB_PORT": str(action_lb_port),
        "CLUSTER_WEB_PORT": str(web_port),
        "CLUSTER_NGINX_DIR": str(nginx_dir),
        "CLUSTER_LOG_DIR": str(tmp_path),
    }
    (nginx_dir / "nginx.conf").write_text(nginx_conf(env))
    process = subprocess.Popen(
        [
            "nginx",
            "-p",
            str(nginx_dir),
            "-c",
            str(nginx_dir / "nginx.conf"),
            "-e",
            str(tmp_path / "nginx-error.log"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{lb_port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url + "/lb-health", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"nginx did not start: {process.stderr.read()!r}")
            time.sleep(0.1)
    try:
        yield url
    finally:
        os.kill(process.pid, signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_no_replica_gets_the_send_it_again_reply_in_rest_format(nginx_without_replicas):
    request = urllib.request.Request(
        nginx_without_replicas + "/webhooks/rest/webhook",
        data=json.dumps({"sender": "fallback", "message": "what is HER2?"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    reply = refused.value
    assert reply.code == 503
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.headers["Retry-After"] == "2"
    assert json.loads(reply.read().decode("utf-8")) == [{"text": RESEND_REPLY}]
