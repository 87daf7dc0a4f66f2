"""The action server (rasa_sdk), as `rasa run actions` starts it, without TensorFlow.

    python -m ops actions --actions actions --port 5055

`rasa run actions` goes through Rasa's command line, which imports Rasa and TensorFlow
before it hands over to rasa_sdk; and spaCy's thinc imports TensorFlow whenever it is
installed. The actions use neither (the HER2 parser is spaCy rules), yet TensorFlow made
the action server about 250 MB larger and its start slower (bench/TUNING.md). The
deployment's action-server image (rasa/rasa-sdk, deploy/helm-values.yml) has no
TensorFlow at all, so this is how the actions run there too.
"""

import sys
from typing import List


def main(argv: List[str]) -> None:
    sys.modules.setdefault("tensorflow", None)  # thinc then reports TensorFlow as absent
    from rasa_sdk.__main__ import main as rasa_sdk_main

    sys.argv = ["rasa_sdk", *argv]
    rasa_sdk_main()
