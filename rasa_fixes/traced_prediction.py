"""DIET and the ResponseSelector call their traced prediction graph directly.

What Rasa does: ``RasaModel._rasa_predict`` calls ``self._tf_predict_step``, a
``tf.function`` with a fixed input signature, on every message; TensorFlow then matches
the inputs against that signature and looks the traced graph up again each time.

What the fix changes: once Rasa has created that tf.function, its traced graph
(``get_concrete_function``, TensorFlow's public API) replaces it in
``_tf_predict_step``: the same graph, the same outputs.

Gain: 1.40 -> 1.00 ms per model call, about 0.8 ms per message (both classifiers run on
every message; bench/TUNING.md, change 15).

After an upgrade: check that ``_rasa_predict`` still creates ``_tf_predict_step`` with an
``input_signature`` on its first call and calls it with one batch argument;
tests/integration/framework/test_rasa_fixes_behaviour.py compares predictions for batches of other sizes.
"""

from typing import Any

from rasa_fixes._targets import Target, replace

NAME = "traced_prediction"
TARGETS = (Target("rasa.utils.tensorflow.models:RasaModel", "_rasa_predict", "function"),)
REQUIRES = (Target("tensorflow.types.experimental", "ConcreteFunction", "class"),)


def apply() -> None:
    from tensorflow.types.experimental import ConcreteFunction

    def _rasa_predict(self: Any, batch_in: Any) -> Any:
        step = self._tf_predict_step
        # Rasa creates the tf.function (with an input signature) on the first call.
        if (
            step is not None
            and not isinstance(step, ConcreteFunction)
            and step.input_signature is not None
        ):
            self._tf_predict_step = step.get_concrete_function()
        return rasa_predict(self, batch_in)

    rasa_predict = replace(TARGETS[0], _rasa_predict)
