"""Waits until every URL given answers HTTP 2xx; exits 1 after --timeout seconds."""
import argparse
import sys
import time
import urllib.error
import urllib.request


def is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    pending = list(args.urls)
    while pending and time.monotonic() < deadline:
        pending = [url for url in pending if not is_up(url)]
        if pending:
            time.sleep(0.5)
    for url in pending:
        print(f"not ready after {args.timeout:.0f} s: {url}", file=sys.stderr)
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
