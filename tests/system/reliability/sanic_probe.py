"""A minimal Sanic server for tests/system/reliability/test_graceful_shutdown.py: the Sanic
version Rasa serves with, one POST route whose work holds the event loop for a moment
(as a Rasa turn's inference does).

    python -m tests.system.reliability.sanic_probe PORT [graceful|plain]
"""

import asyncio
import sys
import time

from sanic import Sanic
from sanic.response import json

from serving import graceful_shutdown

app = Sanic("sanic_probe")


@app.post("/turn")
async def turn(request):
    time.sleep(0.01)
    await asyncio.sleep(0.01)
    return json({"received": request.json})


if __name__ == "__main__":
    if sys.argv[2] == "graceful":
        app.register_listener(graceful_shutdown.before_server_stop, "before_server_stop")
    app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False)
