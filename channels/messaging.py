"""Which messaging channels are switched on, from environment variables.

channels/messaging.yml lists each channel's Rasa credentials with ``${VAR}``
placeholders. A channel is enabled when every variable it names is set; its
section is then added to the run's credentials file, and Rasa itself fills
in the placeholders from the environment (secrets never touch the disk).
Every channel is written under the module path of its class (CHANNEL_CLASSES:
channels/telegram.py, slack.py, messenger.py) so that Rasa uses that class: each
message cleaned and answered (channels/delivery.py), with the disclaimer.
"""

import re
from pathlib import Path
from typing import Any, Dict, Mapping

import yaml

TEMPLATE = Path(__file__).resolve().parent / "messaging.yml"
_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")
CHANNEL_CLASSES = {
    "telegram": "channels.telegram.SafeTelegramInput",
    "slack": "channels.slack.SafeSlackInput",
    "facebook": "channels.messenger.SafeFacebookInput",
}


def required_variables(section: Any) -> set:
    return set(_PLACEHOLDER.findall(yaml.safe_dump(section)))


def _template() -> Dict[str, Any]:
    # BaseLoader: no implicit resolvers, so Rasa's global ${VAR} resolver (registered
    # on PyYAML when rasa is imported) cannot expand secrets while we read the template.
    return yaml.load(TEMPLATE.read_text(), Loader=yaml.BaseLoader)


def enabled_channels(env: Mapping[str, str]) -> Dict[str, Any]:
    return {
        name: section
        for name, section in _template().items()
        if all(env.get(var) for var in required_variables(section))
    }


def credentials_sections(env: Mapping[str, str]) -> Dict[str, Any]:
    """enabled_channels, keyed as the credentials file needs them."""
    return {
        CHANNEL_CLASSES.get(name, name): section for name, section in enabled_channels(env).items()
    }
