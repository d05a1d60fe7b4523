#!/usr/bin/python3
"""WebSocket echo server for Portico's WebSocket proxy tests (python3-websockets, asyncio).

    python3 ws_echo.py [--host 127.0.0.1] [--port 8765] [--unix PATH]

Echoes every text and binary message back as it came, on any path; answers pings (the
library does). Stops cleanly on SIGTERM or SIGINT. The Flask app cannot serve WebSockets
under sync Gunicorn workers, hence this separate server.
"""

import argparse
import asyncio
import signal
import sys

import websockets


async def echo(websocket, path=None):
    try:
        async for message in websocket:
            await websocket.send(message)
    except websockets.ConnectionClosed:
        pass


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--unix", help="listen on this unix socket instead of host:port")
    args = parser.parse_args()

    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))

    options = dict(max_size=None, compression=None)
    if args.unix:
        server = websockets.unix_serve(echo, args.unix, **options)
        where = args.unix
    else:
        server = websockets.serve(echo, args.host, args.port, **options)
        where = "%s:%d" % (args.host, args.port)
    async with server:
        print("ws_echo: listening on " + where, flush=True)
        await stop
    print("ws_echo: stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
