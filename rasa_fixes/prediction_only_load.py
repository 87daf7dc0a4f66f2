"""DIET and the ResponseSelector are loaded for prediction only.

What Rasa does: ``RasaModel.load`` compiles the model with an Adam optimizer and trains
it for one step on one example, only so that every weight exists before it reads the
trained weights over them. That traces the whole training graph and creates the
optimizer's two copies of every weight, which stay resident while serving.

What the fix changes: the checkpoint is read first (``load_weights``: Keras restores a
weight as it is created, TensorFlow's documented delayed restoration) and the one
prediction Rasa makes anyway creates the weights; the checkpoint must then have supplied
every weight that exists, else Rasa's own load runs (``RASA_LOAD``). Fine-tuning and
``run_eagerly`` keep Rasa's load. The same weights, the same predictions.

Gain: a bare ``Agent.load`` 10.6 -> 5.0 s and 887 -> 670 MB; served, start to ready 13.8
-> 7.7 s and RSS after warm-up 941 -> 715 MB (bench/TUNING.md, change 17).

After an upgrade: compare ``RasaModel.load`` in rasa/utils/tensorflow/models.py (its
arguments, how it builds and restores the model); tests/integration/framework/test_rasa_fixes_behaviour.py loads the
trained model both ways and compares every held-out prediction.
"""

import logging
from typing import Any, Dict

from rasa_fixes._targets import Target, replace

logger = logging.getLogger(__name__)

NAME = "prediction_only_load"
TARGETS = (Target("rasa.utils.tensorflow.models:RasaModel", "load", "function"),)
REQUIRES = (
    Target("rasa.utils.tensorflow.models:RasaModel", "run_inference", "function"),
    Target("rasa.utils.tensorflow.constants", "RUN_EAGERLY", "str"),
)
RASA_LOAD: Dict[str, Any] = {}  # Rasa's own RasaModel.load (fallback, and tests)


def apply() -> None:
    from rasa.utils.tensorflow.constants import RUN_EAGERLY

    def load(
        cls: Any,
        model_file_name: str,
        model_data_example: Any,
        predict_data_example: Any = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        def rasa_load() -> Any:
            return RASA_LOAD["load"](
                cls,
                model_file_name,
                model_data_example,
                predict_data_example,
                finetune_mode,
                *args,
                **kwargs,
            )

        if finetune_mode or not predict_data_example or kwargs.get("config", {}).get(RUN_EAGERLY):
            return rasa_load()
        model = cls(*args, **kwargs)
        status = model.load_weights(model_file_name)
        status.expect_partial()  # the optimizer's slots, and layers only training uses
        model.run_inference(predict_data_example)  # creates the weights: restored as created
        try:
            status.assert_existing_objects_matched()
        except AssertionError as error:
            logger.warning(
                f"{cls.__name__}: the checkpoint did not supply every weight "
                f"({error}); loading it the way Rasa does."
            )
            return rasa_load()
        return model

    RASA_LOAD["load"] = replace(TARGETS[0], classmethod(load)).__func__
