"""Portico's test back end: a small Flask application for proxy_pass and uwsgi_pass tests.

Runs under Gunicorn (HTTP) and uWSGI (uwsgi protocol or HTTP); see README.md in this folder.
Depends on Flask and the standard library only. Request bodies are read in chunks and
responses that can be large are generated chunk by chunk: nothing big is held in memory.
"""

import hashlib
import itertools
import json
import os
import socket
import time
import weakref

from flask import Flask, Response, request

app = Flask(__name__)

# Which of several instances answered (load-balancing tests): set by the test harness.
INSTANCE = os.environ.get("FLASKAPP_INSTANCE", "")

CHUNK = 64 * 1024

# /big's bytes: the byte at offset k is k % 251 (251 is prime, so the pattern does not line up
# with chunk or buffer sizes). PATTERN holds one chunk plus one period, so any chunk is a slice.
PERIOD = 251
PATTERN = bytes(i % PERIOD for i in range(CHUNK + PERIOD))

# CGI variables of the WSGI environ that uwsgi_param / proxy tests look at (None when absent).
ENVIRON_KEYS = (
    "REQUEST_METHOD", "REQUEST_URI", "RAW_URI", "PATH_INFO", "SCRIPT_NAME", "QUERY_STRING",
    "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_ADDR", "REMOTE_ADDR",
    "REMOTE_PORT", "CONTENT_TYPE", "CONTENT_LENGTH", "HTTPS", "REQUEST_SCHEME",
    "DOCUMENT_ROOT", "wsgi.url_scheme",
)


def read_body():
    """Reads the request body in chunks; returns (length, sha256 hex)."""
    digest = hashlib.sha256()
    length = 0
    stream = request.stream
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        length += len(chunk)
        digest.update(chunk)
    return length, digest.hexdigest()


def json_response(obj, status=200):
    return Response(json.dumps(obj, indent=1, sort_keys=True) + "\n", status=status,
                    mimetype="application/json")


# Connection numbers for /echo's "connection": a kept-alive client connection keeps its number.
_CONNECTIONS = weakref.WeakKeyDictionary()
_CONNECTION_SERIAL = itertools.count(1)


def connection_id(env):
    """"PID-N" for the client connection that carried this request (Gunicorn only), else None."""
    sock = env.get("gunicorn.socket")
    if sock is None:
        return None
    if sock not in _CONNECTIONS:
        _CONNECTIONS[sock] = next(_CONNECTION_SERIAL)
    return "%d-%d" % (os.getpid(), _CONNECTIONS[sock])


def env_str(value):
    if value is None or isinstance(value, str):
        return value
    return str(value)


@app.route("/echo", defaults={"rest": ""},
           methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@app.route("/echo/<path:rest>",
           methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def echo(rest):
    env = request.environ
    length, sha256 = read_body()
    # ?environ=NAME adds a variable to "environ" (e.g. one a uwsgi_param sets under its own name).
    keys = ENVIRON_KEYS + tuple(request.args.getlist("environ"))
    query = env.get("QUERY_STRING", "")
    uri = env.get("REQUEST_URI") or env.get("RAW_URI") or (
        env.get("SCRIPT_NAME", "") + env.get("PATH_INFO", "") + ("?" + query if query else ""))
    return json_response({
        "method": request.method,
        "path": request.path,
        "uri": uri,
        "query_string": query,
        "args": {k: request.args.getlist(k) for k in request.args},
        "headers": [[k, v] for k, v in request.headers.items()],
        "remote_addr": env.get("REMOTE_ADDR"),
        "connection": connection_id(env),
        "environ": {k: env_str(env.get(k)) for k in keys},
        "body_length": length,
        "body_sha256": sha256,
        "instance": INSTANCE,
    })


@app.route("/health")
def health():
    """200 while the instance is healthy; 503 while the file `unhealthy` exists in the
    instance's state folder (FLASKAPP_STATE_DIR), so that a test can fail one instance's
    health checks while it still answers every other request."""
    state_dir = os.environ.get("FLASKAPP_STATE_DIR")
    if state_dir and os.path.exists(os.path.join(state_dir, "unhealthy")):
        return json_response({"healthy": False, "instance": INSTANCE}, status=503)
    return json_response({"healthy": True, "instance": INSTANCE})


@app.route("/upload", methods=["POST", "PUT"])
def upload():
    length, sha256 = read_body()
    return json_response({"length": length, "sha256": sha256})


@app.route("/big")
def big():
    total = int(float(request.args.get("mb", "1")) * 1024 * 1024)

    def generate():
        sent = 0
        while sent < total:
            n = min(CHUNK, total - sent)
            start = sent % PERIOD
            yield PATTERN[start:start + n]
            sent += n

    headers = {}
    if request.args.get("chunked") not in ("1", "true", "yes"):
        headers["Content-Length"] = str(total)
    return Response(generate(), mimetype="application/octet-stream", headers=headers)


@app.route("/sleep", methods=["GET", "POST"])
def sleep():
    """Sleeps ?s= seconds, then answers; a POST's body is never read (back pressure tests)."""
    seconds = float(request.args.get("s", "1"))
    time.sleep(seconds)
    return json_response({"slept": seconds})


@app.route("/close")
def close():
    """Closes the connection before a complete response head: at once, or with ?partial=1
    after a status line and half a header. Gunicorn only: its environ holds the socket."""
    sock = request.environ.get("gunicorn.socket")
    if sock is None:
        return json_response({"error": "/close needs Gunicorn"}, status=501)
    if request.args.get("partial"):
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: te")
    sock.shutdown(socket.SHUT_RDWR)
    return Response("never sent")


@app.route("/status/<int:code>")
def status(code):
    """Answers with status `code`, two cookies and Cache-Control; a 3xx gets a Location:
    ?location=relative (default: /echo/redirected), ?location=absolute (same path with this
    request's scheme and host) or any other value, used as is."""
    headers = [
        ("Set-Cookie", "a=1; Path=/"),
        ("Set-Cookie", "b=2"),
        ("Cache-Control", "max-age=60"),
    ]
    if 300 <= code < 400:
        where = request.args.get("location", "relative")
        if where == "relative":
            where = "/echo/redirected"
        elif where == "absolute":
            where = request.host_url.rstrip("/") + "/echo/redirected"
        headers.append(("Location", where))
    if code in (204, 304) or code < 200:
        body = ""
    else:
        body = "status %d\n" % code
    return Response(body, status=code, headers=headers, mimetype="text/plain")


@app.route("/slow")
def slow():
    """?chunks=N (default 5) chunks of ?size= bytes (default: a short numbered line), with
    ?delay=S seconds (default 0.2) before every chunk but the first; no Content-Length."""
    chunks = int(request.args.get("chunks", "5"))
    delay = float(request.args.get("delay", "0.2"))
    size = request.args.get("size")

    def generate():
        for i in range(chunks):
            if i:
                time.sleep(delay)
            if size is None:
                yield ("chunk %d\n" % i).encode()
            else:
                yield PATTERN[:int(size)] if int(size) <= len(PATTERN) else b"x" * int(size)

    return Response(generate(), mimetype="text/plain")


@app.route("/headers")
def headers():
    """Every query argument becomes a response header (a repeated name gives several
    headers), e.g. /headers?X-Accel-Redirect=/internal/f&X-Accel-Buffering=no&X-Secret=1."""
    response = json_response({k: request.args.getlist(k) for k in request.args})
    for name in request.args:
        values = request.args.getlist(name)
        if name.lower() == "content-type":
            response.headers["Content-Type"] = values[-1]
            continue
        for value in values:
            response.headers.add(name, value)
    return response


@app.route("/accel", methods=["GET", "HEAD", "POST"])
def accel():
    """The headers an X-Accel-Redirect keeps or drops, plus X-Accel-* from ?redirect=, ?charset=,
    ?buffering=, ?limit-rate=, ?expires=; Content-Type from ?type=, status from ?code=."""
    headers = [("Set-Cookie", "up=1; Path=/"), ("Content-Disposition", 'attachment; filename="u.txt"'),
               ("Cache-Control", "private"), ("Expires", "Thu, 01 Jan 2037 00:00:00 GMT"),
               ("Accept-Ranges", "none"), ("ETag", '"upstream"'), ("X-App", "accel")]
    for name in ("redirect", "charset", "buffering", "limit-rate", "expires"):
        value = request.args.get(name)
        if value is not None:
            headers.append(("X-Accel-" + name.title(), value))
    return Response(b"upstream body", status="%s Whatever" % request.args.get("code", "200"),
                    headers=headers, content_type=request.args.get("type", "application/x-upstream"))


@app.route("/ws")
def ws():
    return json_response({"error": "WebSocket is served by ws_echo.py, not by the WSGI app"},
                         status=501)


@app.route("/")
def index():
    return json_response({"app": "portico flaskapp", "endpoints": [
        "/echo[/...]", "/upload", "/big?mb=N[&chunked=1]", "/sleep?s=N", "/status/<code>",
        "/slow?chunks=N&delay=S", "/health", "/headers?Name=value", "/close[?partial=1]", "/accel",
        "ws_echo.py (WebSocket)"]})
