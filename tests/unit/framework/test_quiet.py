"""ops/quiet.py: the third-party deprecation notices `make run` and `make test` no longer
print, and the warnings that still show."""

import os
import warnings

import pytest

from ops.quiet import hide_third_party_deprecations


def shown(module: str, category=DeprecationWarning, message: str = "old API") -> bool:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # what sanic.app's "once" filter would let through
        hide_third_party_deprecations()
        warnings.warn_explicit(message, category, f"{module}.py", 1, module=module, registry={})
    return bool(caught)


@pytest.fixture(autouse=True)
def tf_log_level(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)


@pytest.mark.parametrize(
    "module",
    [
        "tensorflow.python.util.deprecation",
        "rasa.core.tracker_store",
        "pkg_resources",
        "apscheduler",
        "sanic_cors.extension",
        "matplotlib.fontconfig_pattern",
        "keras",
    ],
)
def test_the_libraries_deprecation_notices_are_hidden(module):
    assert not shown(module)
    assert not shown(module, PendingDeprecationWarning)


@pytest.mark.parametrize(
    "module",
    [
        "channels.text",
        "actions.her2_results",
        "her2.report",
        "ops.stack",
        "rasa_fixes.sqlite_pool",
        "__main__",
        "rasalike",
        "tensorflowish",
    ],
)
def test_a_deprecation_in_our_own_code_still_shows(module):
    assert shown(module)


def test_other_warnings_of_the_libraries_still_show():
    assert shown("rasa.shared.utils.io", UserWarning, "The utterance 'utter_x' is not used")
    assert shown("sqlalchemy.engine", RuntimeWarning)
    assert not shown(
        "rasa.shared.core.slot_mappings", UserWarning, "Slot auto-fill has been removed in 3.0"
    )
    assert not shown("random", message="non-integer arguments to randrange() have been deprecated")
    assert shown("random", message="some other notice of the random module")


def test_tensorflow_logs_errors_only():
    hide_third_party_deprecations()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
