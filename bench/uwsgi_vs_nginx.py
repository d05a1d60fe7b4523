#!/usr/bin/env python3
"""uwsgi_pass throughput and latency, Portico beside Debian's nginx, to the same uWSGI.

Starts Debian's uWSGI running examples/flaskapp with its uwsgi.ini (the deployment guide's:
master, 4 processes of 2 threads, a unix socket), then each proxy in turn from the same
configuration (include uwsgi_params; uwsgi_pass to that socket; access log off), pinned to
CPU 0 with taskset; uWSGI and the load generator (wrk, keep-alive connections) share CPU 1.
After a warm-up per proxy, rounds alternate between the two; prints requests per second, the
99th percentile latency and the proxy's CPU time per request (from /proc) of each round, the
medians, and the ratios Portico/nginx. Runs by hand:

    bench/uwsgi_vs_nginx.py --duration 10 --rounds 3

It ends by itself: every process it starts is stopped by pid at the end.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HOME = os.path.dirname(HERE)
APP = os.path.join(HOME, "examples", "flaskapp")

CONFIG = """
daemon off;
worker_processes 1;
pid {prefix}/logs/server.pid;
error_log {prefix}/logs/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 100000;
    upstream flask_app {{
        server unix:{socket} fail_timeout=0;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            include uwsgi_params;
            uwsgi_pass flask_app;
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(connect, proc, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        try:
            connect().close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{what} did not start")


def start_uwsgi(workdir):
    sock = os.path.join(workdir, "app.sock")
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("PYTHON") or k.startswith("UWSGI_") or k == "VIRTUAL_ENV")}
    env.update(FLASKAPP_SOCKET=sock, FLASKAPP_HARAKIRI="60", PYTHONDONTWRITEBYTECODE="1")
    cmd = ["taskset", "-c", "1", "/usr/bin/uwsgi", "--plugin", "python3", "--ini", os.path.join(APP, "uwsgi.ini"),
           "--chdir", APP, "--logto", os.path.join(workdir, "uwsgi.log"), "--disable-logging"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), sock


def await_uwsgi(proc, sock, workdir):
    def connect():
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        return s

    # Loading the application on a busy CPU can take a while.
    wait_for(connect, proc, "uwsgi", timeout=180)
    deadline = time.time() + 180
    while "spawned uWSGI worker 4 " not in open(os.path.join(workdir, "uwsgi.log")).read():
        if time.time() > deadline:
            raise SystemExit("uwsgi did not spawn its workers")
        time.sleep(0.1)


def start_proxy(kind, sock):
    prefix = tempfile.mkdtemp(prefix=f"bench-uwsgi-{kind}-")
    os.makedirs(f"{prefix}/logs")
    os.makedirs(f"{prefix}/conf")
    shutil.copy(os.path.join(HOME, "conf", "uwsgi_params"), f"{prefix}/conf/uwsgi_params")
    port = free_port()
    conf = f"{prefix}/conf/server.conf"
    with open(conf, "w") as f:
        f.write(CONFIG.format(prefix=prefix, port=port, socket=sock))
    if kind == "portico":
        cmd = ["taskset", "-c", "0", f"{HOME}/bin/portico", "-p", prefix, "-c", conf]
    else:
        cmd = ["taskset", "-c", "0", shutil.which("nginx") or "/usr/sbin/nginx", "-p", prefix, "-c", conf,
               "-g", "master_process off;"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: socket.create_connection(("127.0.0.1", port), timeout=0.2), proc, kind)
    return proc, port, prefix


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def seconds(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def cpu_seconds(pid):
    """User and system CPU time of a process (all its threads) so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(port, path, duration, connections, strict=True):
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p99 = seconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", out)
    if errors and strict:
        raise SystemExit(f"wrk saw errors:\n{out}")
    return rps, p99, requests


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per round")
    parser.add_argument("--warmup", type=int, default=20, help="seconds of warm-up per proxy (the JIT's)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per proxy; medians are reported")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--path", default="/", help="the application's URL (default: its index)")
    args = parser.parse_args()
    for tool in ("wrk", "taskset", "/usr/bin/uwsgi"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing (apt-get install wrk util-linux uwsgi uwsgi-plugin-python3)")
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        raise SystemExit("nginx: not installed (apt-get install nginx)")
    workdir = tempfile.mkdtemp(prefix="bench-uwsgi-app-")
    uwsgi, sock = start_uwsgi(workdir)
    proxies = {}
    try:
        await_uwsgi(uwsgi, sock, workdir)
        for kind in ("portico", "nginx"):
            proxies[kind] = start_proxy(kind, sock)
            # Both stay up: each round runs against one while the other idles.
            wrk(proxies[kind][1], args.path, args.warmup, args.connections, strict=False)
        results = {"portico": [], "nginx": []}
        for r in range(args.rounds):
            for kind in ("portico", "nginx"):
                pid = proxies[kind][0].pid
                cpu = cpu_seconds(pid)
                rps, p99, requests = wrk(proxies[kind][1], args.path, args.duration, args.connections)
                per_request = (cpu_seconds(pid) - cpu) / requests
                results[kind].append((rps, p99, per_request))
                print(f"round {r + 1} {kind}: {rps:.0f} requests/s, p99 {p99 * 1000:.2f} ms, "
                      f"proxy CPU {per_request * 1e6:.0f} us per request", flush=True)
        med = {k: tuple(median([x[i] for x in v]) for i in range(3)) for k, v in results.items()}
        for kind, (rps, p99, per_request) in med.items():
            print(f"{kind}: median {rps:.0f} requests/s, p99 {p99 * 1000:.2f} ms, proxy CPU "
                  f"{per_request * 1e6:.0f} us per request over {args.rounds} rounds")
        print(f"ratio portico/nginx: requests/s {med['portico'][0] / med['nginx'][0]:.2f}, "
              f"p99 {med['portico'][1] / med['nginx'][1]:.2f}, CPU per request "
              f"{med['portico'][2] / med['nginx'][2]:.2f} (lower is better for these two)")
    finally:
        for proc, _, prefix in proxies.values():
            stop(proc)
            shutil.rmtree(prefix, ignore_errors=True)
        stop(uwsgi, signal.SIGINT)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
