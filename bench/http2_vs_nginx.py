#!/usr/bin/env python3
"""HTTP/2 requests per second for a small static file, Portico beside Debian's nginx, by h2load.

Both servers read the same configuration text (only the prefix and the ports differ): one
server block listening twice, `listen ... http2` in cleartext (h2c with prior knowledge) and
`listen ... ssl http2` (h2 by ALPN, a self-signed RSA 2048 certificate made here), serving a
1 KiB file from its root. Both run at the same time pinned to CPU 0; h2load and this program
run on CPU 1. Scenarios: h2c and h2 over 1 connection and over 4, each with 32 streams at
once per connection (h2load -m 32).

Each server gets an uncounted warm-up per scenario (Portico's JIT compiles its hot paths),
then R rounds, the two servers taking turns and the first one alternating. Printed: per
round and as medians, requests/s and the server's CPU time per request (the fair figure
when CPU 1, where h2load runs, is the limit), and the ratios Portico/nginx. The measuring
of CPU time, the check that no other program took our CPUs (a disturbed round is run again,
--retries) and the report of problems are bench/proxy_vs_nginx.py's.

Runs by hand (after `mvn -B -q package -DskipTests`):

    bench/http2_vs_nginx.py [--duration 10] [--warmup 5] [--rounds 3]

Exit status: 0; 1 when h2load saw failed or errored requests or non-2xx answers, or a server
wrote to its error log or output; 2 when a tool is missing or a server does not start. It
ends by itself, stops every process it started by pid and removes its temporary folder.
"""
import argparse
import os
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import proxy_vs_nginx as bench
from processes import cpu_seconds, free_port

H2LOAD = "/usr/bin/h2load"
FILE = "/small.html"
FILE_BYTES = 1024
STREAMS = 32

# The configuration both servers read, word for word.
SERVER_CONFIG = bench.MAIN_CONFIG + """http {{
    access_log off;
    keepalive_requests 1000000;{temp_paths}
    server {{
        listen 127.0.0.1:{h2c} http2;
        listen 127.0.0.1:{h2} ssl http2;
        ssl_certificate {prefix}/conf/cert.pem;
        ssl_certificate_key {prefix}/conf/key.pem;
        root {root};
    }}
}}
"""

SCENARIOS = [
    # (name, port key, connections)
    ("h2c, 1 connection", "h2c", 1),
    ("h2c, 4 connections", "h2c", 4),
    ("h2 (TLS), 1 connection", "h2", 1),
    ("h2 (TLS), 4 connections", "h2", 4),
]


def check_tools():
    missing = [f"{tool} ({hint})" for tool, hint in [("taskset", "apt-get install util-linux"),
                                                     ("openssl", "apt-get install openssl")]
               if not shutil.which(tool)]
    for path, hint in [(bench.NGINX, "apt-get install nginx"), (H2LOAD, "apt-get install nghttp2-client"),
                       (bench.PORTICO_JAR, "build it first: mvn -B -q package -DskipTests")]:
        if not os.path.exists(path):
            missing.append(f"{path} ({hint})")
    if missing:
        bench.fail("missing: " + "; ".join(missing))
    if (os.cpu_count() or 1) < 2:
        bench.fail("needs 2 CPUs: the servers run on CPU 0, h2load on CPU 1")


def parse_h2load(text):
    rps = re.search(r"^finished in [\d.]+m?s, ([\d.]+) req/s", text, re.M)
    requests = re.search(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                         r"(\d+) errored, (\d+) timeout", text, re.M)
    codes = re.search(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text, re.M)
    if not (rps and requests and codes):
        bench.fail(f"could not read h2load's output:\n{text}")
    return {
        "rps": float(rps.group(1)),
        "requests": int(requests.group(4)),
        "socket_errors": {"failed": int(requests.group(5)), "errored": int(requests.group(6)),
                          "timeout": int(requests.group(7))},
        "non2xx": sum(int(codes.group(i)) for i in (2, 3, 4)),
    }


def run_h2load(url, seconds, connections):
    cmd = ["taskset", "-c", bench.LOAD_CPU, H2LOAD, "-D", str(seconds), "-c", str(connections),
           "-m", str(STREAMS), "-t", "1", url]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        bench.fail(f"h2load did not end within {seconds + 30} s")
    if done.returncode != 0:
        bench.fail(f"h2load failed ({done.returncode}): {done.stderr.strip()} {done.stdout[-500:]}")
    return done.stdout


def measure(server, url, seconds, connections):
    """One h2load run against one server, with what each CPU spent on whom meanwhile."""
    pids = server.pids()
    cpu_before, own_before = cpu_seconds(pids), bench.own_cpu_seconds()
    busy_before = bench.cpu_busy_ticks()
    text = run_h2load(url, seconds, connections)
    busy_after = bench.cpu_busy_ticks()
    result = parse_h2load(text)
    server_cpu = cpu_seconds(pids) - cpu_before
    load_cpu = bench.own_cpu_seconds() - own_before
    result["cpu_us_per_request"] = server_cpu / max(result["requests"], 1) * 1e6
    busy = {cpu: 100 * (busy_after[cpu][0] - busy_before[cpu][0])
            / max(busy_after[cpu][1] - busy_before[cpu][1], 1) for cpu in (bench.PROXY_CPU, bench.LOAD_CPU)}
    result["busy"] = busy
    result["ours"] = {bench.PROXY_CPU: 100 * server_cpu / seconds, bench.LOAD_CPU: 100 * load_cpu / seconds}
    result["foreign"] = {cpu: busy[cpu] - result["ours"][cpu] for cpu in busy}
    if not server.alive():
        bench.fail(f"{server.name} exited with {server.proc.returncode} during the run; see {server.output()}")
    return result


def check_answer(url, what):
    """One HTTP/1.1 GET (the cleartext port also speaks it in Portico; nginx 1.22 does not), so over TLS."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=30, context=context) as r:
            body = r.read()
    except OSError as e:
        bench.fail(f"{what}: {e}")
    if len(body) != FILE_BYTES:
        bench.fail(f"{what}: {len(body)} bytes, expected {FILE_BYTES}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per counted h2load run")
    parser.add_argument("--warmup", type=int, default=5, help="uncounted seconds per server and scenario")
    parser.add_argument("--rounds", type=int, default=3, help="counted runs per server and scenario")
    bench.add_portico_use(parser)
    parser.add_argument("--retries", type=int, default=2,
                        help="times a round is run again when another program took our CPUs meanwhile")
    args = parser.parse_args()
    check_tools()
    os.sched_setaffinity(0, {int(bench.LOAD_CPU)})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    root = tempfile.mkdtemp(prefix="bench-h2-")
    os.chmod(root, 0o755)  # nginx's worker (nobody) reads the files through it
    started = []
    try:
        www = os.path.join(root, "www")
        os.makedirs(www)
        with open(os.path.join(www, FILE.lstrip("/")), "wb") as f:
            f.write(b"x" * (FILE_BYTES - 1) + b"\n")
        os.chmod(www, 0o755)
        os.chmod(os.path.join(www, FILE.lstrip("/")), 0o644)
        servers, ports, prefixes = {}, {}, {}
        for name in bench.SERVERS:
            prefix = prefixes[name] = os.path.join(root, name)
            for sub in ["logs", "conf", "temp"]:
                os.makedirs(os.path.join(prefix, sub))
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=localhost", "-keyout", os.path.join(prefix, "conf", "key.pem"),
                            "-out", os.path.join(prefix, "conf", "cert.pem")], capture_output=True, check=True)
            ports[name] = {"h2c": free_port(), "h2": free_port()}
            conf = os.path.join(prefix, "conf", "nginx.conf")
            with open(conf, "w") as f:
                f.write(bench.server_config(name, SERVER_CONFIG.format(
                    prefix=prefix, temp_paths=bench.TEMP_PATHS.format(prefix=prefix), root=www, **ports[name]), args))
            binary = bench.PORTICO if name == "portico" else bench.NGINX
            check = subprocess.run([binary, "-t", "-q", "-p", prefix, "-c", conf], capture_output=True, text=True)
            if check.returncode != 0:
                bench.fail(f"{name} rejects the configuration:\n{check.stderr.strip()}")
            servers[name] = bench.Process(name, ["taskset", "-c", bench.PROXY_CPU, binary, "-p", prefix,
                                                 "-c", conf], prefix)
            started.append(servers[name])
        for name, server in servers.items():
            server.wait_port(ports[name]["h2"])
            server.wait_port(ports[name]["h2c"])
            check_answer(f"https://127.0.0.1:{ports[name]['h2']}{FILE}", f"{name} (static file over TLS)")

        with open("/proc/loadavg") as f:
            print(f"load average before: {' '.join(f.read().split()[:3])}")
        print(f"GET {FILE} ({FILE_BYTES} bytes); h2load -m {STREAMS} -t 1, warm-up {args.warmup} s, "
              f"{args.rounds} x {args.duration} s per server and scenario; servers on CPU {bench.PROXY_CPU}, "
              f"h2load on CPU {bench.LOAD_CPU}")
        medians, trouble, disturbed = {}, [], []
        for scenario, port_key, connections in SCENARIOS:
            print(f"\n{scenario}")
            urls = {name: f"{'https' if port_key == 'h2' else 'http'}://127.0.0.1:{ports[name][port_key]}{FILE}"
                    for name in bench.SERVERS}
            for name in bench.SERVERS:
                if args.warmup > 0:
                    warm = measure(servers[name], urls[name], args.warmup, connections)
                    print(f"  warm-up {name:8} {warm['rps']:10.0f} req/s"
                          + "".join(f"  [{n}]" for n in bench.problems(warm)))
            runs = {name: [] for name in bench.SERVERS}
            for round_index in range(args.rounds):
                order = bench.SERVERS if round_index % 2 == 0 else bench.SERVERS[::-1]
                for name in order:
                    for attempt in range(args.retries + 1):
                        result = measure(servers[name], urls[name], args.duration, connections)
                        disturbed_by = bench.disturbance(result)
                        notes = bench.problems(result) + ([disturbed_by] if disturbed_by else [])
                        print(f"  round {round_index + 1} {name:8} {result['rps']:10.0f} req/s  "
                              f"server CPU {result['cpu_us_per_request']:6.1f} us/req  "
                              f"CPU{bench.PROXY_CPU} {result['busy'][bench.PROXY_CPU]:3.0f} % "
                              f"(server {result['ours'][bench.PROXY_CPU]:3.0f})  CPU{bench.LOAD_CPU} "
                              f"{result['busy'][bench.LOAD_CPU]:3.0f} % (h2load {result['ours'][bench.LOAD_CPU]:3.0f})"
                              + "".join(f"  [{n}]" for n in notes))
                        if not disturbed_by:
                            break
                        if attempt < args.retries:
                            print(f"  round {round_index + 1} {name:8} again: another program was running")
                            time.sleep(bench.RETRY_PAUSE)
                    runs[name].append(result)
                    trouble += [f"{scenario}, {name} round {round_index + 1}: {n}" for n in bench.problems(result)]
                    if disturbed_by:
                        disturbed.append(f"{scenario}, {name} round {round_index + 1}: {disturbed_by}")
            medians[scenario] = {name: {key: statistics.median(r[key] for r in runs[name])
                                        for key in ("rps", "cpu_us_per_request")} for name in bench.SERVERS}

        with open("/proc/loadavg") as f:
            print(f"\nload average after: {' '.join(f.read().split()[:3])}")
        print(f"\nmedians of {args.rounds} rounds (rps ratio >= 1 and CPU ratio <= 1 favour Portico)")
        print(f"{'scenario':26} {'portico req/s':>14} {'nginx req/s':>12} {'ratio':>6} "
              f"{'portico us/req':>15} {'nginx us/req':>13} {'ratio':>6}")
        for scenario, _, _ in SCENARIOS:
            p, n = medians[scenario]["portico"], medians[scenario]["nginx"]
            print(f"{scenario:26} {p['rps']:14.0f} {n['rps']:12.0f} {bench.ratio(p['rps'], n['rps']):6.2f} "
                  f"{p['cpu_us_per_request']:15.1f} {n['cpu_us_per_request']:13.1f} "
                  f"{bench.ratio(p['cpu_us_per_request'], n['cpu_us_per_request']):6.2f}")

        for name in bench.SERVERS:
            for what, lines in [("error log", bench.error_log_lines(prefixes[name])),
                                ("output", servers[name].output_lines())]:
                print(f"\n{name} {what}: {len(lines)} lines" + "".join(f"\n  {line}" for line in lines[:10]))
                if lines:
                    trouble.append(f"{name} wrote {len(lines)} lines to its {what}")
        if disturbed:
            print("\nrounds still disturbed by other programs after retries:\n  " + "\n  ".join(disturbed))
        if trouble:
            print("\nproblems:\n  " + "\n  ".join(trouble))
            return 1
        return 0
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
