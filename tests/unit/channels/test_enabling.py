"""Which channels a run gets, from environment variables alone.

env -> channels.messaging.enabled_channels -> ops/config.py writes
.run/credentials.yml -> Rasa (create_http_input_channels) reads it and fills in
${VAR} from the environment. REST and socket.io are always on, as the hardened
classes of channels/rest.py and channels/socketio.py (credentials.yml names them by
module path), and so are the messaging apps when enabled, as their classes in channels/
(channels/messaging.py).
No model needed.
"""

import pytest
import yaml

from channels.messaging import TEMPLATE, enabled_channels, required_variables
from tests.unit.lib import (
    CHANNEL_VARIABLES,
    SAFE_FACEBOOK,
    SAFE_REST,
    SAFE_SLACK,
    SAFE_SOCKETIO,
    SAFE_TELEGRAM,
    build_input_channels,
    fake_channel_env,
)

# Channel names (InputChannel.name()) that every run gets, and the keys they have in
# the credentials file: the hardened classes, by module path, not Rasa's rest/socketio.
ALWAYS_ON = {"rest", "socketio"}
ALWAYS_ON_KEYS = {SAFE_REST, SAFE_SOCKETIO}
# How each messaging channel is keyed in the written credentials file: the project's class
# (Telegram hardened; all three with the disclaimer, channels/disclaimer.py).
CREDENTIALS_KEYS = {"telegram": SAFE_TELEGRAM, "slack": SAFE_SLACK, "facebook": SAFE_FACEBOOK}
SECRET_VARIABLES = {
    "TELEGRAM_TOKEN",
    "TELEGRAM_SECRET_TOKEN",
    "SLACK_TOKEN",
    "SLACK_SIGNING_SECRET",
    "FACEBOOK_VERIFY",
    "FACEBOOK_SECRET",
    "FACEBOOK_PAGE_ACCESS_TOKEN",
}


def channel_names(input_channels):
    return {c.name() for c in input_channels}


def test_template_names_the_documented_variables():
    template = yaml.safe_load(TEMPLATE.read_text())
    assert {
        name: required_variables(section) for name, section in template.items()
    } == CHANNEL_VARIABLES


def assert_always_on_are_the_safe_classes(input_channels):
    # Imported here, not at collection: importing Rasa's channels imports aiogram,
    # which switches the whole process to uvloop (conftest.keep_event_loop_policy).
    from channels.rest import SafeRestInput
    from channels.socketio import SafeSocketIOInput

    by_name = {c.name(): c for c in input_channels}
    assert type(by_name["rest"]) is SafeRestInput
    assert type(by_name["socketio"]) is SafeSocketIOInput


def test_no_variables_only_the_safe_rest_and_socketio(tmp_path, clean_env):
    assert enabled_channels({}) == {}
    channels, credentials_file = build_input_channels({}, tmp_path, clean_env)
    assert set(yaml.safe_load(credentials_file.read_text())) == ALWAYS_ON_KEYS
    assert channel_names(channels) == ALWAYS_ON
    assert len(channels) == 2
    assert_always_on_are_the_safe_classes(channels)


@pytest.mark.parametrize("channel", sorted(CHANNEL_VARIABLES))
def test_full_set_enables_exactly_that_channel(channel, tmp_path, clean_env):
    env = {k: v for k, v in fake_channel_env().items() if k in CHANNEL_VARIABLES[channel]}
    assert set(enabled_channels(env)) == {channel}

    channels, credentials_file = build_input_channels(env, tmp_path, clean_env)
    assert channel_names(channels) == ALWAYS_ON | {channel}
    assert set(yaml.safe_load(credentials_file.read_text())) == ALWAYS_ON_KEYS | {
        CREDENTIALS_KEYS[channel]
    }
    assert_always_on_are_the_safe_classes(channels)

    # Secrets stay out of the file on disk; Rasa reads them from the environment.
    written = credentials_file.read_text()
    for var in CHANNEL_VARIABLES[channel]:
        assert "${%s}" % var in written
        if var in SECRET_VARIABLES:
            assert env[var] not in written
    from channels.messenger import SafeFacebookInput
    from channels.slack import SafeSlackInput
    from channels.telegram import SafeTelegramInput

    created = next(c for c in channels if c.name() == channel)
    expected = {
        "telegram": lambda c: (
            type(c) is SafeTelegramInput
            and (c.access_token, c.verify, c.webhook_url, c.secret_token)
            == (
                env["TELEGRAM_TOKEN"],
                env["TELEGRAM_BOT_NAME"],
                env["TELEGRAM_WEBHOOK_URL"],
                env["TELEGRAM_SECRET_TOKEN"],
            )
        ),
        "slack": lambda c: (
            type(c) is SafeSlackInput
            and (c.slack_token, c.slack_signing_secret)
            == (env["SLACK_TOKEN"], env["SLACK_SIGNING_SECRET"])
        ),
        "facebook": lambda c: (
            type(c) is SafeFacebookInput
            and (c.fb_verify, c.fb_secret, c.fb_access_token)
            == (env["FACEBOOK_VERIFY"], env["FACEBOOK_SECRET"], env["FACEBOOK_PAGE_ACCESS_TOKEN"])
        ),
    }[channel]
    assert expected(created), f"{channel} channel did not get the values from the environment"


@pytest.mark.parametrize(
    "channel, missing",
    [
        (channel, var)
        for channel in sorted(CHANNEL_VARIABLES)
        for var in sorted(CHANNEL_VARIABLES[channel])
    ],
)
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_partial_set_does_not_enable(channel, missing, how, tmp_path, clean_env):
    env = {k: v for k, v in fake_channel_env().items() if k in CHANNEL_VARIABLES[channel]}
    if how == "unset":
        del env[missing]
    else:
        env[missing] = ""
    assert enabled_channels(env) == {}
    channels, credentials_file = build_input_channels(env, tmp_path, clean_env)
    assert channel_names(channels) == ALWAYS_ON
    assert set(yaml.safe_load(credentials_file.read_text())) == ALWAYS_ON_KEYS


def test_all_variables_enable_all_three(tmp_path, clean_env):
    env = fake_channel_env()
    assert set(enabled_channels(env)) == set(CHANNEL_VARIABLES)
    channels, credentials_file = build_input_channels(env, tmp_path, clean_env)
    assert channel_names(channels) == ALWAYS_ON | set(CHANNEL_VARIABLES)
    assert set(yaml.safe_load(credentials_file.read_text())) == ALWAYS_ON_KEYS | set(
        CREDENTIALS_KEYS.values()
    )
    assert_always_on_are_the_safe_classes(channels)
