"""Calls to the action server time out after ACTION_TIMEOUT seconds (default 10).

What Rasa does: ``RemoteAction.run`` posts to the action server with
``rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT`` (imported there from
rasa.core.constants), 300 s. A stuck action server keeps a patient waiting five minutes.

What the fix changes: that module constant becomes ACTION_TIMEOUT (environment, seconds,
default 10); the channels then give the "I can't look that up right now" reply
(channels/delivery.py). Setting ACTION_TIMEOUT to something that is not a positive
number refuses to start.

Gain: a hung action server costs the user 10 s instead of 300 s
(tests/system/reliability/test_faults.py measures the cut-off with ACTION_TIMEOUT=3).

After an upgrade: check that rasa/core/actions/action.py still passes
``timeout=DEFAULT_REQUEST_TIMEOUT`` to ``action_endpoint.request`` in ``RemoteAction.run``
(the target check only sees that the module constant exists);
tests/system/reliability/test_faults.py fails if the timeout is no longer honoured.
"""

import os

from rasa_fixes._targets import RasaFixError, Target, replace

NAME = "action_timeout"
DEFAULT_SECONDS = 10
TARGETS = (Target("rasa.core.actions.action", "DEFAULT_REQUEST_TIMEOUT", "number"),)


def seconds(env=os.environ) -> float:
    """ACTION_TIMEOUT from the environment, checked."""
    raw = env.get("ACTION_TIMEOUT", DEFAULT_SECONDS)
    try:
        value = float(raw)
    except ValueError:
        raise RasaFixError(f"ACTION_TIMEOUT must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise RasaFixError(f"ACTION_TIMEOUT must be positive, not {raw!r}")
    return value


def problems(env=os.environ) -> list:
    """What is wrong with the setting (checked before any fix is applied)."""
    try:
        seconds(env)
    except RasaFixError as error:
        return [str(error)]
    return []


def apply() -> None:
    replace(TARGETS[0], seconds())
