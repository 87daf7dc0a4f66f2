"""A private scale-out deployment, started with the script `make run-cluster` uses.
Used by the cluster tests (tests/system/cluster) and the scaling benchmark (bench/scaling.py);
standard library only (psycopg2 for Cluster.events, redis for Cluster.redis, from Rasa's .venv).

Cluster.start() runs scripts/run_cluster.sh in the background on free loopback ports,
with its own directory (var/cluster/<id>: a throwaway PostgreSQL cluster, Redis,
nginx) and logs in test-artifacts/cluster/<id>/ (or log_dir). Cluster.stop() sends SIGTERM (the
script stops everything it started), escalates to SIGKILL, makes sure the private
PostgreSQL is down and deletes the directory. CLUSTER_WATCH_PID makes the script shut
down on its own if the test process dies without cleaning up.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ops.stack import NotReady, free_ports, wait_ready

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "run_cluster.sh"
START_TIMEOUT_S = float(os.environ.get("CLUSTER_START_TIMEOUT", "420"))
REQUEST_TIMEOUT_S = 120


def pg_bin() -> Path:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()],
    )
    if not versions:
        raise RuntimeError("PostgreSQL binaries not found under /usr/lib/postgresql")
    return versions[-1]


def as_postgres(command: Sequence[str]) -> List[str]:
    if os.geteuid() == 0:
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", *command]
    return list(command)


class Cluster:
    def __init__(
        self,
        replicas: int = 2,
        action_servers: int = 2,
        name: str = "test",
        log_dir: Optional[Path] = None,
    ):
        self.id = f"{name}-{uuid.uuid4().hex[:8]}"
        ports = free_ports(replicas + action_servers + 5)
        self.rasa_ports = ports[:replicas]
        self.action_ports = ports[replicas : replicas + action_servers]
        (self.lb_port, self.action_lb_port, self.web_port, self.pg_port, self.redis_port) = ports[
            replicas + action_servers :
        ]
        self.dir = ROOT / "var" / "cluster" / self.id
        self.log_dir = Path(log_dir) if log_dir else ROOT / "test-artifacts" / "cluster" / self.id
        self.pg_password = secrets.token_hex(16)
        self.redis_password = secrets.token_hex(16)
        self.process: Optional[subprocess.Popen] = None
        self._output = None

    # ------------------------------------------------------------- lifecycle
    @property
    def lb_url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"

    @property
    def public_url(self) -> str:
        """Where browsers reach nginx (CLUSTER_PUBLIC_URL: the chat page's origin)."""
        return f"http://localhost:{self.lb_port}"

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "CLUSTER_DIR": str(self.dir),
                "CLUSTER_LOG_DIR": str(self.log_dir),
                "CLUSTER_RASA_PORTS": ",".join(map(str, self.rasa_ports)),
                "CLUSTER_ACTION_PORTS": ",".join(map(str, self.action_ports)),
                "CLUSTER_LB_PORT": str(self.lb_port),
                "CLUSTER_ACTION_LB_PORT": str(self.action_lb_port),
                "CLUSTER_WEB_PORT": str(self.web_port),
                "CLUSTER_PUBLIC_URL": self.public_url,
                "CLUSTER_WATCH_PID": str(os.getpid()),
                "POSTGRES_HOST": "127.0.0.1",
                "POSTGRES_PORT": str(self.pg_port),
                "POSTGRES_DB": "rasa",
                "POSTGRES_USER": "rasa",
                "POSTGRES_PASSWORD": self.pg_password,
                "REDIS_HOST": "127.0.0.1",
                "REDIS_PORT": str(self.redis_port),
                "REDIS_PASSWORD": self.redis_password,
                "REDIS_DB": "1",
            }
        )
        env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{self.action_lb_port}/webhook"
        env.pop("CORS_ORIGIN", None)  # the script's default: CLUSTER_PUBLIC_URL
        return env

    def start(
        self, timeout: float = START_TIMEOUT_S, stall_s: Optional[float] = None, progress=None
    ) -> float:
        """Starts the cluster; returns the seconds it took to be ready. With ``stall_s``
        there is no time limit: it is waited for while its logs grow (the servers print
        as they load), and given up on when they stay still for ``stall_s`` seconds;
        ``progress(text)`` is called about every second meanwhile."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._output = open(self.log_dir / "run_cluster.out", "w")
        started = time.monotonic()
        env = self.env()
        if stall_s is not None:
            env["READY_TIMEOUT"] = "0"
        self.process = subprocess.Popen(
            [str(SCRIPT)],
            cwd=ROOT,
            env=env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        ready = self.dir / "ready"

        def logs_size() -> int:  # nginx's access log grows with the readiness probes alone
            return sum(
                p.stat().st_size
                for p in self.log_dir.iterdir()
                if p.is_file() and p.name != "nginx-access.log"
            )

        try:
            wait_ready(
                "the cluster",
                {"cluster": ready.exists},
                {"cluster": self.process},
                {"cluster": logs_size},
                timeout=None if stall_s else timeout,
                stall_s=stall_s,
                progress=progress,
                started=started,
                poll_s=0.5,
            )
        except NotReady as error:
            raise RuntimeError(f"{error}:\n{self.output_tail()}") from None
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        if self.process is not None:
            try:  # anything of its process group still running (it should not be)
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        data = self.dir / "postgres" / "data"
        if (data / "postmaster.pid").exists():  # pg_ctl runs it in its own session
            subprocess.run(
                as_postgres([str(pg_bin() / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        if self._output:
            self._output.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def output_tail(self, lines: int = 40) -> str:
        path = self.log_dir / "run_cluster.out"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------- talking
    def say(self, base_url: str, sender: str, text: str) -> List[Dict]:
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(
            f"{base_url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
            return json.loads(response.read())

    def texts(self, base_url: str, sender: str, text: str) -> List[str]:
        return [m.get("text", "") for m in self.say(base_url, sender, text)]

    def say_status(
        self, base_url: str, sender: str, text: str, timeout: float = REQUEST_TIMEOUT_S
    ) -> Tuple[int, object]:
        """(HTTP status, parsed JSON body or the raw text) of one REST message; an error
        status is returned, not raised."""
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(
            f"{base_url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    # ------------------------------------------------------------- state
    def events(self, sender: str) -> List[Dict]:
        """The conversation's events as stored in PostgreSQL, in order."""
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1",
            port=self.pg_port,
            user="rasa",
            password=self.pg_password,
            dbname="rasa",
            connect_timeout=10,
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,)
                )
                return [json.loads(row[0]) for row in cursor.fetchall()]
        finally:
            connection.close()

    def slots(self, sender: str) -> Dict:
        values: Dict = {}
        for event in self.events(sender):
            if event["event"] == "slot":
                values[event["name"]] = event["value"]
            elif event["event"] == "active_loop":
                values["active_loop"] = event["name"]
        return values

    # ------------------------------------------------------------- faults
    def pid(self, name: str) -> int:
        return int((self.dir / "pids" / f"{name}.pid").read_text())

    def stop_replica(self, index: int) -> int:
        """SIGTERM to one Rasa replica (as Kubernetes stops a pod); returns its pid."""
        pid = self.pid(f"rasa-{self.rasa_ports[index]}")
        os.kill(pid, signal.SIGTERM)
        return pid

    def replica_alive(self, index: int) -> bool:
        return (self.dir / "pids" / f"rasa-{self.rasa_ports[index]}.pid").exists()

    def replica_pids(self) -> Dict[int, int]:
        """pid -> index of every Rasa replica running now."""
        pids = {}
        for index, port in enumerate(self.rasa_ports):
            try:
                pids[self.pid(f"rasa-{port}")] = index
            except (FileNotFoundError, ValueError):
                pass
        return pids

    def replica_ready(self, index: int) -> bool:
        try:
            with urllib.request.urlopen(self.rasa_url(index) + "/", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def redis(self):
        import redis

        return redis.Redis(
            host="127.0.0.1", port=self.redis_port, password=self.redis_password, db=1
        )

    @staticmethod
    def lock_holders(client, senders: Sequence[str]) -> Dict[str, int]:
        """sender -> pid of the process serving that conversation's lock now (the owner
        serving/lock_store.py records with each ticket), for the locked ones."""
        holders = {}
        for sender, raw in zip(
            senders, client.mget([f"lock:{s}" for s in senders]) if senders else []
        ):
            if not raw:
                continue
            lock = json.loads(raw)
            tickets = [json.loads(t) for t in lock.get("tickets", [])]
            if not tickets or tickets[0]["expires"] < time.time():
                continue
            owner = (lock.get("owners") or {}).get(str(tickets[0]["number"]))
            if owner:
                holders[sender] = int(owner.split(":")[-2])
        return holders

    def balance_over(self, count: int) -> None:
        """Makes nginx send REST and socket.io traffic to the first ``count`` replicas
        only: the configuration is rendered again and nginx reloads it (SIGHUP; requests
        in flight finish on the old workers)."""
        env = self.env()
        env.update(
            {
                "CLUSTER_RASA_PORTS": ",".join(map(str, self.rasa_ports[:count])),
                "CLUSTER_NGINX_DIR": str(self.dir / "nginx"),
                "CLUSTER_LOG_DIR": str(self.log_dir),
            }
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ops.cluster_config",
                "nginx",
                str(self.dir / "nginx" / "nginx.conf"),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        os.kill(self.pid("nginx"), signal.SIGHUP)
        time.sleep(2)

    def pg_ctl(self, *args: str) -> None:
        data = self.dir / "postgres" / "data"
        subprocess.run(
            as_postgres(
                [
                    str(pg_bin() / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(self.log_dir / "postgres.log"),
                    "-w",
                    "-t",
                    "60",
                    *args,
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=90,
        )

    # ------------------------------------------------------------- logs
    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def access_log(self) -> List[Tuple[str, str, int, str]]:
        """nginx's access log as (method, path, status, upstream) rows."""
        rows = []
        for line in self.log("nginx-access").splitlines():
            try:
                request = line.split('"')[1]
                method, path = request.split(" ")[:2]
                status = int(line.split('"')[2].split()[0])
                upstream = line.split("upstream=")[1].split(" rt=")[0]
            except (IndexError, ValueError):
                continue
            rows.append((method, path, status, upstream))
        return rows
