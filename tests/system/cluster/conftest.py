"""The cluster tests (tests/system/cluster) start their own scale-out deployment.

One cluster per test session: PostgreSQL, Redis, nginx, two Rasa replicas and two
action servers on free loopback ports, through scripts/run_cluster.sh (what
`make run-cluster` runs; it installs the Debian packages if they are missing). It is
torn down after the last test, also when a test or the start-up fails. Nothing is
mocked and nothing is skipped: a cluster that does not start fails the tests.

    .venv/bin/pytest tests/system/cluster -q      # about 3 minutes on 2 cores

Logs: test-artifacts/cluster/<id>/ (nginx access log with the replica of each request,
every replica's and action server's log, PostgreSQL's and Redis's).
"""

import pytest

from ops.cluster import Cluster


@pytest.fixture(scope="session")
def cluster():
    deployment = Cluster(replicas=2, action_servers=2)
    try:
        seconds = deployment.start()
        print(
            f"\ncluster {deployment.id} ready in {seconds:.0f} s "
            f"(replicas {deployment.rasa_ports}, nginx {deployment.lb_port})"
        )
        yield deployment
    except RuntimeError as error:
        pytest.fail(f"the cluster did not start: {error}", pytrace=False)
    finally:
        deployment.stop()
