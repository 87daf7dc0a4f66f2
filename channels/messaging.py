"""Which messaging channels are switched on, from environment variables.

channels/messaging.yml lists each channel's Rasa credentials with ``${VAR}``
placeholders. A channel is enabled when every variable it names is set; its
section is then added to the run's credentials file, and Rasa itself fills
in the placeholders from the environment (secrets never touch the disk).
"""
import re
from pathlib import Path
from typing import Any, Dict, Mapping

import yaml

TEMPLATE = Path(__file__).resolve().parent / "messaging.yml"
_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")


def required_variables(section: Any) -> set:
    return set(_PLACEHOLDER.findall(yaml.safe_dump(section)))


def enabled_channels(env: Mapping[str, str]) -> Dict[str, Any]:
    channels = yaml.safe_load(TEMPLATE.read_text())
    return {name: section for name, section in channels.items()
            if all(env.get(var) for var in required_variables(section))}
