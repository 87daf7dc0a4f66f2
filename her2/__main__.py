"""python -m her2 "<text>": print the interpretation of a HER2 report excerpt as one JSON object.

Exit codes: 0 printed; 2 empty input (message on stderr). Pass "-" to read the text from stdin.
"""

from __future__ import annotations

import json
import sys

USAGE = 'usage: python -m her2 "<what the report says>"   (or "-" to read stdin)'


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    text = " ".join(args)
    if text.strip() == "-":
        text = sys.stdin.read()
    if not text.strip():
        print(f"error: no text given\n{USAGE}", file=sys.stderr)
        return 2
    from .interpret import interpret

    print(json.dumps(interpret(text), indent=2))
    return 0


if __name__ == "__main__":
    # This process only needs spaCy's tokenizer: stop thinc from importing TensorFlow (seconds of
    # start-up and log noise). Never done on import, so the Rasa servers are unaffected.
    sys.modules.setdefault("tensorflow", None)
    sys.exit(main())
