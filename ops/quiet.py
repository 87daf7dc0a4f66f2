"""Known deprecation notices of the pinned third-party stack (Rasa 3.6 and what it brings:
TensorFlow, SQLAlchemy 1.4, pkg_resources, Sanic, spaCy...), hidden so that `make run` and
`make test` show what matters. Only warnings issued from those libraries' modules are
hidden: a deprecation in this project's own code still shows. pytest.ini holds the same
list for the tests.

Sanic hides nothing itself: importing sanic.app asks Python to show every
DeprecationWarning once (its module-level ``filterwarnings("once", DeprecationWarning)``,
put in front of all filters). So sanic.app is imported first and these filters go in
front of its own.
"""

import os
import warnings

# Top-level packages whose own deprecation notices are not ours to act on.
THIRD_PARTY = (
    "tensorflow",
    "keras",
    "jax",
    "tensorboard",
    "flatbuffers",
    "google",
    "absl",
    "h5py",
    "rasa",
    "rasa_sdk",
    "sanic",
    "sanic_cors",
    "sanic_routing",
    "spacy",
    "thinc",
    "typer",
    "click",
    "pkg_resources",
    "setuptools",
    "packaging",
    "pyparsing",
    "matplotlib",
    "sqlalchemy",
    "dask",
    "apscheduler",
    "networkx",
    "sklearn",
    "scipy",
    "numpy",
    "aiogram",
    "slack_sdk",
    "fbmessenger",
    "socketio",
    "engineio",
    "websockets",
    "httpx",
    "jsonschema",
    "ruamel",
    "importlib",
    "six",
    "pytz",
    "dateutil",
)
MODULES = r"(%s)(\.|$)" % "|".join(THIRD_PARTY)


def hide_third_party_deprecations() -> None:
    """Before Rasa or the action server is imported: TensorFlow's C++ log at warnings and
    above, and the libraries' deprecation notices off."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import sanic.app  # noqa: F401  (its "once" filter first, then ours in front of it)

    for category in (DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("ignore", category=category, module=MODULES)
    # Rasa says this on every domain it reads, whatever the domain holds.
    warnings.filterwarnings(
        "ignore", message="Slot auto-fill has been removed", category=UserWarning, module="rasa"
    )
    # Keras' layers in Rasa's DIET call random.randint with a float; Python files the notice
    # under its own `random` module (this project calls neither randint nor randrange).
    warnings.filterwarnings(
        "ignore",
        message="non-integer arguments to randrange",
        category=DeprecationWarning,
        module="random",
    )
