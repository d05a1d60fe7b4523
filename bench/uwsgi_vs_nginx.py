#!/usr/bin/env python3
"""Throughput and p99 latency of uwsgi_pass, Portico beside Debian's nginx, to one uWSGI.

Debian's uWSGI runs examples/flaskapp with its uwsgi.ini (the deployment guide's: master,
4 processes of 2 threads, a unix socket, harakiri, buffer-size; request logging off, and the
socket open to everyone, as nginx's worker runs as nobody), pinned to CPU 1 with wrk and this
program. Both proxies read the same
configuration text (only the prefix and the listening port differ: include uwsgi_params;
uwsgi_pass to an upstream block holding that socket) and run at the same time, pinned to
CPU 0. Requests: GET /headers, which the application answers "{}\\n". uwsgi opens one
connection per request, for nginx as for Portico.

Each proxy gets an uncounted warm-up (Portico's JIT compiles its hot paths then), then R
rounds of wrk, the two proxies taking turns and the first one alternating. Printed: per
round and as medians, requests/s, p99 latency and the proxy's CPU time per request (the
fair figure when CPU 1, where the application runs, is the limit), and the ratios
Portico/nginx. The measuring, the check that no other program took our CPUs (a disturbed
round is run again, --retries) and the report of problems are bench/proxy_vs_nginx.py's.

Runs by hand (after `mvn -B -q package -DskipTests`):

    bench/uwsgi_vs_nginx.py [--duration 20] [--warmup 20] [--rounds 3]

Exit status as proxy_vs_nginx.py's: 0; 1 when wrk saw socket errors or non-2xx answers, or
a proxy wrote to its error log or output; 2 when a tool is missing or a server does not start.
It ends by itself, stops every process it started by pid and removes its temporary folder.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import proxy_vs_nginx as bench
from processes import free_port

UWSGI = "/usr/bin/uwsgi"
UWSGI_PYTHON3 = "/usr/lib/uwsgi/plugins/python3_plugin.so"
UWSGI_PROCESSES = 4
PATH, BODY = "/headers", b"{}\n"

# The configuration both proxies read, word for word.
PROXY_CONFIG = bench.MAIN_CONFIG + """http {{
    access_log off;
    keepalive_requests 100000;{temp_paths}
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


def check_tools():
    missing = [f"{tool} ({hint})" for tool, hint in [("wrk", "apt-get install wrk"),
                                                     ("taskset", "apt-get install util-linux")]
               if not shutil.which(tool)]
    for path, hint in [(bench.NGINX, "apt-get install nginx"), (UWSGI, "apt-get install uwsgi"),
                       (UWSGI_PYTHON3, "apt-get install uwsgi-plugin-python3"),
                       (bench.PORTICO_JAR, "build it first: mvn -B -q package -DskipTests")]:
        if not os.path.exists(path):
            missing.append(f"{path} ({hint})")
    if missing:
        bench.fail("missing: " + "; ".join(missing))
    if (os.cpu_count() or 1) < 2:
        bench.fail("needs 2 CPUs: the proxies run on CPU 0, uWSGI and the load on CPU 1")


def start_uwsgi(sock, log_dir):
    """uWSGI with examples/flaskapp's uwsgi.ini, its socket and harakiri set as the ini reads them.

    The socket is opened to everyone (the ini's chmod-socket is 660): nginx's worker runs as
    nobody, as a deployment's would run as www-data, the socket's group."""
    cmd = ["env", f"FLASKAPP_SOCKET={sock}", "FLASKAPP_HARAKIRI=60", "PYTHONDONTWRITEBYTECODE=1",
           "taskset", "-c", bench.LOAD_CPU, UWSGI, "--plugin", "python3",
           "--ini", os.path.join(bench.FLASKAPP, "uwsgi.ini"), "--chdir", bench.FLASKAPP, "--disable-logging",
           "--chmod-socket=666"]
    return bench.Process("uwsgi", cmd, log_dir)


def await_uwsgi(uwsgi, sock):
    # Loading the application on a busy CPU can take long.
    deadline = time.monotonic() + 180
    while f"spawned uWSGI worker {UWSGI_PROCESSES} " not in "\n".join(uwsgi.output_lines()):
        if not uwsgi.alive():
            bench.fail(f"uwsgi exited with {uwsgi.proc.returncode}; see {uwsgi.output()}")
        if time.monotonic() > deadline:
            bench.fail(f"uwsgi did not spawn its workers; see {uwsgi.output()}")
        time.sleep(0.1)
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(sock)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench.add_run_options(parser, warmup=20, connections=16, threads=1)
    args = parser.parse_args()
    check_tools()
    os.sched_setaffinity(0, {int(bench.LOAD_CPU)})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    root = tempfile.mkdtemp(prefix="bench-uwsgi-")
    os.chmod(root, 0o755)  # nginx's worker (nobody) reaches the socket through it
    started = []
    try:
        sock = os.path.join(root, "app.sock")
        uwsgi = start_uwsgi(sock, root)
        started.append(uwsgi)
        await_uwsgi(uwsgi, sock)
        servers, ports, prefixes = {}, {}, {}
        for name in bench.SERVERS:
            prefix = prefixes[name] = os.path.join(root, name)
            for sub in ["logs", "conf", "temp"]:
                os.makedirs(os.path.join(prefix, sub))
            shutil.copy(os.path.join(bench.HOME, "conf", "uwsgi_params"), os.path.join(prefix, "conf"))
            ports[name] = free_port()
            conf = os.path.join(prefix, "conf", "nginx.conf")
            with open(conf, "w") as f:
                f.write(PROXY_CONFIG.format(prefix=prefix, temp_paths=bench.TEMP_PATHS.format(prefix=prefix),
                                            socket=sock, port=ports[name]))
            binary = bench.PORTICO if name == "portico" else bench.NGINX
            check = subprocess.run([binary, "-t", "-q", "-p", prefix, "-c", conf], capture_output=True, text=True)
            if check.returncode != 0:
                bench.fail(f"{name} rejects the configuration:\n{check.stderr.strip()}")
            servers[name] = bench.Process(name, ["taskset", "-c", bench.PROXY_CPU, binary, "-p", prefix,
                                                 "-c", conf], prefix)
            started.append(servers[name])
        for name, server in servers.items():
            server.wait_port(ports[name])
            bench.check_answer(ports[name], PATH, BODY, f"{name} (uwsgi_pass)")

        with open("/proc/loadavg") as f:
            print(f"load average before: {' '.join(f.read().split()[:3])}")
        print(f"uWSGI {UWSGI_PROCESSES} processes x 2 threads on a unix socket; GET {PATH}; "
              f"wrk -t {args.threads} -c {args.connections}, warm-up {args.warmup} s, {args.rounds} x "
              f"{args.duration} s per proxy; proxies on CPU {bench.PROXY_CPU}, uWSGI and wrk on CPU {bench.LOAD_CPU}")
        bench.warm_up(servers, ports, PATH, args, [uwsgi])
        runs, trouble, disturbed = bench.run_rounds(servers, ports, PATH, args, [uwsgi], "", "uWSGI and wrk")
        med = bench.medians(runs)

        with open("/proc/loadavg") as f:
            print(f"\nload average after: {' '.join(f.read().split()[:3])}")
        p, n = med["portico"], med["nginx"]
        print(f"\nmedians of {args.rounds} rounds (rps ratio >= 1 and p99 / CPU ratios <= 1 favour Portico)")
        print(f"requests/s  portico {p['rps']:.0f}  nginx {n['rps']:.0f}  ratio {bench.ratio(p['rps'], n['rps']):.2f}")
        print(f"p99         portico {p['p99_ms']:.2f} ms  nginx {n['p99_ms']:.2f} ms  "
              f"ratio {bench.ratio(p['p99_ms'], n['p99_ms']):.2f}")
        print(f"proxy CPU   portico {p['cpu_us_per_request']:.1f} us/req  nginx {n['cpu_us_per_request']:.1f} us/req  "
              f"ratio {bench.ratio(p['cpu_us_per_request'], n['cpu_us_per_request']):.2f}")

        return bench.report_problems(servers, prefixes, trouble, disturbed)
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
