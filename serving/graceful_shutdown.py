"""Stopping a Rasa server without dropping a message that already reached it.

On SIGTERM, Sanic 21.12 (Rasa 3.6's) closes its listening socket and then every
connection that has not yet sent a whole request. Behind a load balancer that opens a
connection per request (nginx here), two kinds of connection are dropped that way:
  - connections the kernel had completed but Sanic had not yet accepted: closing the
    listening socket resets them;
  - connections accepted in the last moments, whose request is still unread.
The balancer had already sent the message on both, so it cannot safely send it to
another replica (it never replays a request that was sent) and answers 502: the
message is lost.

`before_server_stop` (a Sanic listener), run before Sanic closes anything, first makes the kernel stop
completing handshakes on the listening socket (a socket filter that drops incoming
packets; a dropped SYN is retried by the client and then refused, which the balancer
does retry elsewhere), then gives the server a moment to accept and read what had
already arrived. Sanic's own shutdown then finishes every request it has read.

Installed on the Rasa server by rasa_fixes/graceful_stop.py (`make run`, the cluster) and
on the action server by actions/__init__.py.
"""

import asyncio
import ctypes
import logging
import os
import socket
from typing import List

logger = logging.getLogger(__name__)

# Long enough for the event loop to accept the queued connections and read their
# requests while a turn may hold it (tens of ms); short next to a SYN retry (1 s).
SETTLE_SECONDS = 0.3

# Linux <asm-generic/socket.h>; the socket module does not export it.
SO_ATTACH_FILTER = 26
BPF_RET_K = 0x06  # BPF_RET | BPF_K: return the constant k, the bytes to keep (0: drop)


class _BpfInstruction(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _BpfProgram(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_BpfInstruction))]


def drop_incoming(sock: socket.socket) -> None:
    """Attaches a filter that drops every packet reaching ``sock`` (Linux)."""
    instruction = (_BpfInstruction * 1)(_BpfInstruction(BPF_RET_K, 0, 0, 0))
    program = _BpfProgram(1, ctypes.cast(instruction, ctypes.POINTER(_BpfInstruction)))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(program))


def listening_sockets() -> List[socket.socket]:
    """This process's listening TCP sockets (duplicates of their fds)."""
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            fd = os.dup(int(name))
        except OSError:  # closed meanwhile
            continue
        try:
            sock = socket.socket(fileno=fd)
        except OSError:  # not a socket: close the duplicate, or every stop leaks one per fd
            os.close(fd)
            continue
        try:
            listening = (
                sock.family in (socket.AF_INET, socket.AF_INET6)
                and sock.type == socket.SOCK_STREAM
                and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
            )
        except OSError:
            listening = False
        if listening:
            found.append(sock)
        else:
            sock.close()
    return found


async def drain_listeners(settle_seconds: float = SETTLE_SECONDS) -> int:
    """Stops new connections on this process's listening sockets and lets the queued
    ones be read. Returns how many sockets were held."""
    try:
        sockets = listening_sockets()
    except OSError:  # no /proc: not Linux; Sanic's plain shutdown follows
        return 0
    held = 0
    for sock in sockets:
        try:
            drop_incoming(sock)
            held += 1
        except OSError as error:
            logger.warning("Could not hold new connections on %s: %s", sock.getsockname(), error)
        finally:
            sock.close()  # the duplicate only; the server's own fd stays open
    if held:
        await asyncio.sleep(settle_seconds)
    return held


async def before_server_stop(app, loop) -> None:
    """Sanic listener: holds new connections, then lets Sanic finish what it received."""
    held = await drain_listeners()
    logger.info(
        "Stopping: new connections held on %s socket(s); finishing the messages already received.",
        held,
    )
