"""TensorFlow is imported without JAX.

What happens otherwise: importing TensorFlow 2.12 imports ``tensorflow.lite``, which
tries ``from jax import xla_computation`` for TFLite model conversion. Rasa never
converts models; TensorFlow carries on without JAX when that import fails.

What the fix changes: ``jax`` is marked as absent (``sys.modules["jax"] = None``) before
anything imports TensorFlow, so the import fails at once. It replaces no Rasa name, so
it has no target; ``apply()`` runs it before it checks the targets (which imports
TensorFlow). If TensorFlow is already imported it changes nothing.

Gain: the served model 910 -> 842 MB after warm-up, start to ready 15.3 -> 12.0 s
(bench/TUNING.md, change 8).

After an upgrade: check that TensorFlow still imports with ``jax`` absent
(``import rasa_fixes; rasa_fixes.apply()`` then ``import tensorflow``).
"""

import sys

from rasa_fixes._targets import on_revert

NAME = "no_jax"
TARGETS = ()


def apply() -> None:
    if "jax" not in sys.modules:
        sys.modules["jax"] = None  # type: ignore[assignment]
        on_revert(
            lambda: sys.modules.pop("jax", None) if sys.modules.get("jax", 0) is None else None
        )
