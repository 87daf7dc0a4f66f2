"""Serves the chat page (web/) and tells it where the Rasa socket.io server is.

    python -m ops web --port 8080 --rasa-url http://localhost:5005

Routes (everything else is 404; there is no directory listing and no path is
ever mapped onto the file system, so nothing outside web/ can be served):

    /, /index.html   web/index.html
    /chat.css        web/chat.css
    /chat.js         web/chat.js       (starts the widget)
    /webchat.js      web/node_modules/rasa-webchat/lib/index.js (the widget bundle,
                     minus its CSS @import of a web font from a CDN: see strip_remote_imports)
    /summary.css, /summary.js   the appointment summary: Print or save as PDF, Copy
    /feedback.js     "Did this answer your question?" under an answer
    /config.js       window.HER2_CHAT_CONFIG = {"socketUrl": <--rasa-url>, ...}
    /healthz         "ok"

The widget bundle comes from npm (web/package-lock.json pins rasa-webchat 1.0.1);
it is installed by `npm ci --prefix web` (`make run` does it) and never committed.
"""

import argparse
import json
import os
import re
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / "web"
BUNDLE = WEB_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"
SOCKET_PATH = "/socket.io/"

MISSING_BUNDLE_HELP = (
    f"The chat widget bundle is missing: {BUNDLE.relative_to(ROOT)}\n"
    "Install it with `make run` (it installs everything) or `npm ci --prefix web`."
)

# URL path -> (file, content type). A fixed table: request paths are never joined
# onto a directory, so '..', encoded slashes and the like simply give 404.
STATIC_FILES: Dict[str, Tuple[Path, str]] = {
    "/": (WEB_DIR / "index.html", "text/html; charset=utf-8"),
    "/index.html": (WEB_DIR / "index.html", "text/html; charset=utf-8"),
    "/chat.css": (WEB_DIR / "chat.css", "text/css; charset=utf-8"),
    "/chat.js": (WEB_DIR / "chat.js", "text/javascript; charset=utf-8"),
    "/webchat.js": (BUNDLE, "text/javascript; charset=utf-8"),
    "/summary.css": (WEB_DIR / "summary.css", "text/css; charset=utf-8"),
    "/summary.js": (WEB_DIR / "summary.js", "text/javascript; charset=utf-8"),
    "/feedback.js": (WEB_DIR / "feedback.js", "text/javascript; charset=utf-8"),
}


# The widget's injected CSS starts with
#   @import url(https://fonts.googleapis.com/css?family=Inter:...);
# The page must load nothing from other sites (hospital firewalls, privacy), so the
# import is removed from the bundle as it is served (the CSP would block it anyway,
# with a console error per style block). chat.css sets system fonts instead.
REMOTE_CSS_IMPORT = re.compile(rb"@import url\((?:https?:)?//[^)]*\);?")


def strip_remote_imports(bundle: bytes) -> bytes:
    return REMOTE_CSS_IMPORT.sub(b"", bundle)


def normalise_rasa_url(url: str) -> str:
    """'http://host:5005/' -> 'http://host:5005'. Only an origin is accepted:
    socket.io-client would take a path in the URL as a namespace."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"--rasa-url must be an http(s) URL such as http://localhost:5005, not {url!r}"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"--rasa-url must be an origin only (scheme://host[:port]), not {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(rasa_url: str) -> str:
    """Only this server's own files; the socket may talk to the Rasa server only.

    style-src needs 'unsafe-inline': the widget injects its CSS as <style> elements
    and sets style attributes. Its CSS @imports a web font from a CDN: that is
    blocked on purpose (no third-party requests; chat.css sets system fonts).
    """
    parts = urlsplit(rasa_url)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    connect = f"'self' {rasa_url} {ws_scheme}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",  # the widget's carousel icon font is inlined
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def config_js(rasa_url: str) -> bytes:
    config = {"socketUrl": rasa_url, "socketPath": SOCKET_PATH}
    # json.dumps output is a valid JS literal; escape '<' so it is inert anywhere.
    literal = json.dumps(config).replace("<", "\\u003c")
    return f"window.HER2_CHAT_CONFIG = Object.freeze({literal});\n".encode()


_warned = threading.Event()


def warn_missing_bundle() -> None:
    """Says once per process (not on every health-check request) how to fix it."""
    if not _warned.is_set():
        _warned.set()
        print(MISSING_BUNDLE_HELP, file=sys.stderr, flush=True)


def missing_bundle_page() -> bytes:
    text = MISSING_BUNDLE_HELP.replace("&", "&amp;").replace("<", "&lt;")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>HER2 Assistant: not installed</title></head><body>"
        f"<h1>HER2 Assistant</h1><p>{text.replace(chr(10), '<br>')}</p></body></html>"
    ).encode()


def make_handler(rasa_url: str):
    csp = content_security_policy(rasa_url)
    config_body = config_js(rasa_url)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self) -> str:  # no Python version in the Server header
            return "her2-web"

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            self._respond(send_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(send_body=False)

        def _route(self) -> Tuple[int, str, bytes]:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            if path == "/config.js":
                return HTTPStatus.OK, "text/javascript; charset=utf-8", config_body
            if path == "/healthz":
                return HTTPStatus.OK, "text/plain; charset=utf-8", b"ok\n"
            entry = STATIC_FILES.get(path)
            if entry is None:
                return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found\n"
            file, content_type = entry
            if not BUNDLE.is_file():
                warn_missing_bundle()
                if content_type.startswith("text/html"):
                    return (
                        HTTPStatus.SERVICE_UNAVAILABLE,
                        "text/html; charset=utf-8",
                        missing_bundle_page(),
                    )
            try:
                body = file.read_bytes()
            except OSError:
                return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found\n"
            if file == BUNDLE:
                body = strip_remote_imports(body)
            return HTTPStatus.OK, content_type, body

        def _respond(self, send_body: bool) -> None:
            status, content_type, body = self._route()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Content-Security-Policy", csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("X-Frame-Options", "DENY")
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            self.send_header(
                "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
            )
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def send_error(self, code, message=None, explain=None) -> None:
            # Bad request lines, unsupported methods: short plain answer, same headers.
            body = f"{int(code)} {message or HTTPStatus(code).phrase}\n".encode()
            self.send_response(code, message)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def build_server(port: int, rasa_url: str, bind: str = "0.0.0.0") -> Server:
    return Server((bind, port), make_handler(normalise_rasa_url(rasa_url)))


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", 8080)))
    parser.add_argument(
        "--rasa-url",
        default=os.environ.get("PUBLIC_RASA_URL", "http://localhost:5005"),
        help="origin of the Rasa server as the browser reaches it",
    )
    parser.add_argument(
        "--bind",
        default=os.environ.get("WEB_BIND", "0.0.0.0"),
        help="address to listen on (default 0.0.0.0, like rasa run)",
    )
    args = parser.parse_args(argv)
    try:
        server = build_server(args.port, args.rasa_url, args.bind)
    except ValueError as error:
        parser.error(str(error))
    if not BUNDLE.is_file():
        warn_missing_bundle()
    print(
        f"Serving the chat page on http://{args.bind}:{args.port}/ "
        f"(Rasa socket.io at {normalise_rasa_url(args.rasa_url)})",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
