"""The action server's response is validated with a validator built once.

What Rasa does: ``RemoteAction._validate_action_result`` (rasa/core/actions/action.py)
calls ``jsonschema.validate(result, schema)``. With the pinned jsonschema 4.17 that call
first re-checks the schema itself against the draft 2020-12 meta-schema, on every call
to the action server.

What the fix changes: the validator is built (and the schema checked) once; each
response is then validated exactly as ``jsonschema.validate`` does after its schema
check: the same errors, the same message.

Gain: py-spy put ~43% of the Rasa server's time per turn in it; with the SQLite fixes,
Rasa CPU per message 69-78 -> 27-31 ms (bench/TUNING.md, change 4).

After an upgrade: check that ``_validate_action_result`` still calls
``jsonschema.validate(result, self.action_response_format_spec())`` and appends the same
message; tests/integration/framework/test_rasa_fixes_behaviour.py checks a bad response is still rejected.
"""

from typing import Any, Dict

from rasa_fixes._targets import Target, replace

NAME = "action_response_validator"
TARGETS = (Target("rasa.core.actions.action:RemoteAction", "_validate_action_result", "function"),)
REQUIRES = (
    Target("rasa.core.actions.action:RemoteAction", "action_response_format_spec", "function"),
    Target("rasa.shared.constants", "DOCS_BASE_URL", "str"),
)


def apply() -> None:
    import jsonschema
    from rasa.shared.constants import DOCS_BASE_URL

    validators: Dict[str, Any] = {}

    def _validate_action_result(self, result: Dict[str, Any]) -> bool:
        validator = validators.get("response")
        if validator is None:
            schema = self.action_response_format_spec()
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = validators["response"] = cls(schema)
        # What jsonschema.validate does after its schema check.
        error = jsonschema.exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    replace(TARGETS[0], _validate_action_result)
