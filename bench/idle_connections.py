#!/usr/bin/env python3
"""Resident memory of idle keep-alive connections, Portico beside Debian's nginx.

Starts each server on a loopback port pinned to CPU 0, opens N connections from
a client pinned to CPU 1, sends one request on each and keeps them open idle,
then reads the server's resident set size (VmRSS, summed over its processes).
Prints KB per idle connection for each server and the ratio. Runs by hand:

    bench/idle_connections.py --connections 10000

It ends by itself: every server it starts is stopped by pid at the end.
"""
import argparse
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from processes import children, free_port, rss_kb

HERE = os.path.dirname(os.path.abspath(__file__))
HOME = os.path.dirname(HERE)

CONFIG = """
daemon off;
worker_processes 1;
pid {prefix}/logs/server.pid;
error_log {prefix}/logs/error.log;
events {{ worker_connections {worker_connections}; }}
http {{
    access_log off;
    keepalive_timeout 600;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 204; }}
    }}
}}
"""





def wait_port(port, proc, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not start")


def start(kind, n):
    prefix = tempfile.mkdtemp(prefix=f"bench-{kind}-")
    os.makedirs(f"{prefix}/logs")
    os.makedirs(f"{prefix}/conf")
    port = free_port()
    conf = f"{prefix}/conf/server.conf"
    with open(conf, "w") as f:
        f.write(CONFIG.format(prefix=prefix, port=port, worker_connections=n + 1000))
    if kind == "portico":
        cmd = ["taskset", "-c", "0", f"{HOME}/bin/portico", "-p", prefix, "-c", conf]
    else:
        cmd = ["taskset", "-c", "0", shutil.which("nginx") or "/usr/sbin/nginx", "-p", prefix, "-c", conf,
               "-g", "master_process off;"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_port(port, proc)
    return proc, port, prefix


def open_idle(port, n):
    request = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(request)
        socks.append(s)
    for s in socks:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                raise SystemExit("server closed a connection")
            data += chunk
        if b" 204 " not in data.split(b"\r\n", 1)[0]:
            raise SystemExit(f"unexpected response: {data[:60]!r}")
    return socks


def churn(port, socks, requests):
    request = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
    for i in range(requests):
        s = socks[i % len(socks)]
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(4096)
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        while len(body) < length:
            body += s.recv(4096)


def settle(kind, proc):
    if kind == "portico" and shutil.which("jcmd"):
        # A full GC first, so that the figure is what the connections keep, not garbage not yet collected.
        subprocess.run(["jcmd", str(proc.pid), "GC.run"], capture_output=True)
    time.sleep(2)


def measure(kind, n):
    proc, port, prefix = start(kind, n)
    try:
        pids = [proc.pid] + children(proc.pid)
        # Steady state first: many requests over a few keep-alive connections touch every heap
        # page that request garbage uses, without keeping connections that would grow the heap;
        # the difference below is then what the idle connections keep.
        warm = open_idle(port, 200)
        churn(port, warm[:50], 20000)
        settle(kind, proc)
        before = rss_kb(pids)
        socks = open_idle(port, n)
        settle(kind, proc)
        after = rss_kb(pids)
        for s in socks + warm:
            s.close()
        return before, after
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(prefix, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--only", choices=["portico", "nginx"])
    parser.add_argument("--rounds", type=int, default=3, help="runs per server; the median is reported")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.sched_setaffinity(0, {1})
    results = {}
    for kind in ["portico", "nginx"]:
        if args.only and kind != args.only:
            continue
        if kind == "nginx" and not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
            print("nginx: not installed (apt-get install nginx)")
            continue
        runs = []
        for _ in range(args.rounds):
            before, after = measure(kind, args.connections)
            per = (after - before) / args.connections
            runs.append(per)
            print(f"{kind}: RSS {before} KB -> {after} KB with {args.connections} idle connections: "
                  f"{per:.2f} KB per connection")
        runs.sort()
        results[kind] = runs[len(runs) // 2]
        print(f"{kind}: median {results[kind]:.2f} KB per idle connection over {len(runs)} runs")
    if "portico" in results and "nginx" in results and results["nginx"] > 0:
        print(f"ratio portico/nginx: {results['portico'] / results['nginx']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
