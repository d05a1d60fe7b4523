#!/usr/bin/env python3
"""Throughput and p99 latency of proxy_pass, Portico beside Debian's nginx.

Both proxies read the same configuration text (only the prefix and the listening ports
differ) and run at the same time, pinned to CPU 0 (the nginx master and its worker; the
whole Portico JVM). The upstreams, wrk and this program run on CPU 1. Scenarios, one
server each in that configuration:

    flask   proxy_pass to examples/flaskapp's GET /headers ("{}\\n") under Debian's Gunicorn,
            one gthread worker that keeps connections alive: the usual deployment, Python bound
    fast    proxy_pass to a second nginx answering `return 200 "ok\\n"`, keeping connections
            alive: what is left is mostly the proxy's own cost
    direct  no proxy: the server itself answers `return 200 "ok\\n"` (baseline)

The upstream blocks say `keepalive 32` (--upstream-keepalive N; 0 leaves it out, so that
both proxies open a connection per request).

For each scenario each proxy gets an uncounted warm-up (Portico's JIT compiles its hot paths
then), then R rounds of wrk, the two proxies taking turns and the first one alternating.
Printed per scenario: median requests/s, median p99 latency, the proxy's CPU time per
request (its processes' user + system time over the round; the fair figure when CPU 1, not
the proxy, is the limit) and the ratios Portico/nginx. Per round also: the proxy's resident
memory, and how busy each CPU was against what our own processes used; a round in which
another program took our CPUs is run again (--retries) and named at the end if it stays so.

Runs by hand (after `mvn -B -q package -DskipTests`, which makes bin/portico's jar):

    bench/proxy_vs_nginx.py [--duration 20] [--warmup 10] [--rounds 3] [--scenario fast]

Exit status: 0; 1 when wrk saw socket errors or non-2xx answers, or a proxy wrote to its
error log or its output (all listed at the end); 2 when a tool is missing or a server does
not start or answer. It ends by itself (every wrk run and every wait has a deadline), stops
every process it started by pid, and removes its temporary prefix.
"""
import argparse
import http.client
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from processes import children, cpu_seconds, free_port, rss_kb

HERE = os.path.dirname(os.path.abspath(__file__))
HOME = os.path.dirname(HERE)
PORTICO = os.path.join(HOME, "bin", "portico")
PORTICO_JAR = os.path.join(HOME, "target", "portico.jar")
NGINX = "/usr/sbin/nginx"
GUNICORN = "/usr/bin/gunicorn"
FLASKAPP = os.path.join(HOME, "examples", "flaskapp")

PROXY_CPU = "0"
LOAD_CPU = "1"

# Temporary files of every module that has them, inside the prefix: nginx's compiled-in
# defaults are under /var/lib/nginx, which only root may write.
TEMP_PATHS = """
    client_body_temp_path {prefix}/temp/client_body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;"""

PROXY_LOCATION = """
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}"""

# The main context of every server this program starts.
MAIN_CONFIG = """
worker_processes 1;
daemon off;
error_log {prefix}/logs/error.log;
pid {prefix}/logs/server.pid;
events {{ worker_connections 4096; }}
"""

# The configuration both proxies read, word for word.
PROXY_CONFIG = MAIN_CONFIG + """http {{
    access_log off;
    keepalive_requests 100000;{temp_paths}
    upstream flask {{
        server 127.0.0.1:{flask_upstream};{keepalive}
    }}
    upstream fast {{
        server 127.0.0.1:{fast_upstream};{keepalive}
    }}
    server {{
        listen 127.0.0.1:{flask};{flask_location}
    }}
    server {{
        listen 127.0.0.1:{fast};{fast_location}
    }}
    server {{
        listen 127.0.0.1:{direct};
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""

# The fast upstream: nginx on CPU 1, keep-alive connections that last the whole run.
UPSTREAM_CONFIG = MAIN_CONFIG + """http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300;{temp_paths}
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""

SCENARIOS = {
    # name: (path requested, body expected, what it is)
    "flask": ("/headers", b"{}\n", "proxy_pass to Flask under Gunicorn (gthread)"),
    "fast": ("/headers", b"ok\n", "proxy_pass to nginx return 200"),
    "direct": ("/headers", b"ok\n", "no proxy: return 200 from the server itself"),
}

SERVERS = ["portico", "nginx"]

# A CPU busy beyond our own processes' share by more than this (percentage points) marks a
# round as disturbed: the machine may be shared, and another program then took our time.
# Such a round is run again after a pause, up to --retries times; the last one counts.
DISTURBED_PERCENT = 10
RETRY_PAUSE = 5


def fail(message):
    print(f"proxy_vs_nginx: {message}", file=sys.stderr)
    sys.exit(2)


def check_tools():
    missing = []
    for tool, hint in [("wrk", "apt-get install wrk"), ("taskset", "apt-get install util-linux")]:
        if not shutil.which(tool):
            missing.append(f"{tool} ({hint})")
    for path, hint in [(NGINX, "apt-get install nginx"), (GUNICORN, "apt-get install gunicorn python3-flask")]:
        if not os.access(path, os.X_OK):
            missing.append(f"{path} ({hint})")
    if not os.path.exists(PORTICO_JAR):
        missing.append(f"{PORTICO_JAR} (build it first: mvn -B -q package -DskipTests)")
    if subprocess.run(["/usr/bin/python3", "-c", "import flask"], capture_output=True).returncode != 0:
        missing.append("Flask for /usr/bin/python3 (apt-get install python3-flask)")
    if missing:
        fail("missing: " + "; ".join(missing))
    if (os.cpu_count() or 1) < 2:
        fail("needs 2 CPUs: the proxies run on CPU 0, the load and the upstreams on CPU 1")





def cpu_busy_ticks():
    """Busy and total ticks of each CPU, from /proc/stat."""
    ticks = {}
    with open("/proc/stat") as f:
        for line in f:
            if re.match(r"cpu\d", line):
                name, *values = line.split()
                values = [int(v) for v in values[:8]]
                idle = values[3] + values[4]
                ticks[name[3:]] = (sum(values) - idle, sum(values))
    return ticks



class Process:
    """A process this program started; stopped by its pid (and its children's, if it must)."""

    def __init__(self, name, cmd, log_dir, cwd=None):
        self.name = name
        self.log = os.path.join(log_dir, f"{name}.out")
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        self.pid = self.proc.pid

    def pids(self):
        return [self.pid] + children(self.pid)

    def alive(self):
        return self.proc.poll() is None

    def wait_port(self, port, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                fail(f"{self.name} exited with {self.proc.returncode} before listening; see {self.output()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        fail(f"{self.name} did not listen on {port} within {timeout} s")

    def output_lines(self):
        with open(self.log, errors="replace") as f:
            return [line.rstrip("\n") for line in f if line.strip()]

    def output(self):
        return "\n".join(self.output_lines())[-2000:] or "(no output)"

    def stop(self):
        if not self.alive():
            return
        kids = children(self.pid)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            for pid in [self.pid] + kids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait(timeout=5)


def check_answer(port, path, body, what):
    # Generous: Gunicorn listens before its worker has imported the app, which takes
    # seconds on a busy machine.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        got = response.read()
    except OSError as e:
        fail(f"{what} on port {port}: {e}")
    finally:
        connection.close()
    if response.status != 200 or got != body:
        fail(f"{what} on port {port}: {response.status} {got[:80]!r}, expected 200 {body!r}")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def parse_wrk(text):
    requests = re.search(r"^\s*(\d+) requests in", text, re.M)
    rps = re.search(r"^Requests/sec:\s*([\d.]+)", text, re.M)
    p99 = re.search(r"^\s*99(?:\.000)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
    if not (requests and rps and p99):
        fail(f"could not read wrk's output:\n{text}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "requests": int(requests.group(1)),
        "rps": float(rps.group(1)),
        "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)],
        "socket_errors": dict(zip(["connect", "read", "write", "timeout"], map(int, errors.groups())))
        if errors else {},
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def run_wrk(port, path, seconds, connections, threads, scheme="http", headers=()):
    cmd = ["taskset", "-c", LOAD_CPU, "wrk", "-t", str(threads), "-c", str(connections),
           "-d", f"{seconds}s", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    cmd.append(f"{scheme}://127.0.0.1:{port}{path}")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        fail(f"wrk did not end within {seconds + 30} s")
    if done.returncode != 0:
        fail(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def own_cpu_seconds():
    """CPU time of this program and of its children that have ended (the wrk runs)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime


def measure(server, port, path, seconds, args, load_processes, scheme="http", headers=()):
    """One wrk run against one proxy, with what each CPU spent on whom meanwhile; `scheme` and
    `headers` (wrk -H) are the requests'."""
    pids = server.pids()
    load_pids = [pid for process in load_processes for pid in process.pids()]
    cpu_before, load_before, own_before = cpu_seconds(pids), cpu_seconds(load_pids), own_cpu_seconds()
    busy_before = cpu_busy_ticks()
    text = run_wrk(port, path, seconds, args.connections, args.threads, scheme, headers)
    busy_after = cpu_busy_ticks()
    result = parse_wrk(text)
    proxy_cpu = cpu_seconds(pids) - cpu_before
    load_cpu = cpu_seconds(load_pids) - load_before + own_cpu_seconds() - own_before
    result["cpu_us_per_request"] = proxy_cpu / max(result["requests"], 1) * 1e6
    # How busy each CPU was, and how much of that was ours: the proxy's CPU near 100 % means
    # the proxy is the limit, the load CPU near 100 % means wrk and the upstream are; busy
    # time that is not ours is another program's (the machine may be shared).
    busy = {cpu: 100 * (busy_after[cpu][0] - busy_before[cpu][0])
            / max(busy_after[cpu][1] - busy_before[cpu][1], 1) for cpu in (PROXY_CPU, LOAD_CPU)}
    result["busy"] = busy
    result["ours"] = {PROXY_CPU: 100 * proxy_cpu / seconds, LOAD_CPU: 100 * load_cpu / seconds}
    result["foreign"] = {cpu: busy[cpu] - result["ours"][cpu] for cpu in busy}
    result["rss_kb"] = rss_kb(pids)
    if not server.alive():
        fail(f"{server.name} exited with {server.proc.returncode} during the run; see {server.output()}")
    return result


def disturbance(result):
    """What other programs took of our CPUs, when it is enough to lower the figures; else None."""
    taken = [f"{result['foreign'][cpu]:.0f} % of CPU{cpu}" for cpu in (PROXY_CPU, LOAD_CPU)
             if result["foreign"][cpu] > DISTURBED_PERCENT]
    return "others used " + " and ".join(taken) if taken else None


def error_log_lines(prefix):
    try:
        with open(os.path.join(prefix, "logs", "error.log"), errors="replace") as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    except FileNotFoundError:
        return []


def problems(result):
    notes = []
    bad_sockets = {k: v for k, v in result["socket_errors"].items() if v}
    if bad_sockets:
        notes.append("socket errors " + ", ".join(f"{k} {v}" for k, v in bad_sockets.items()))
    if result["non2xx"]:
        notes.append(f"{result['non2xx']} non-2xx/3xx answers")
    return notes


def ratio(a, b):
    return a / b if b else float("nan")


def add_run_options(parser, warmup=10, connections=50, threads=2):
    """The options of the wrk runs, which every benchmark measuring with this module takes."""
    parser.add_argument("--duration", type=int, default=20, help="seconds per counted wrk run")
    parser.add_argument("--warmup", type=int, default=warmup, help="uncounted seconds per proxy and case")
    parser.add_argument("--rounds", type=int, default=3, help="counted runs per proxy and case; medians reported")
    parser.add_argument("--connections", type=int, default=connections, help="wrk -c")
    parser.add_argument("--threads", type=int, default=threads, help="wrk -t")
    parser.add_argument("--retries", type=int, default=2,
                        help="times a round is run again when another program took our CPUs meanwhile")


def add_portico_use(parser):
    parser.add_argument("--portico-use", choices=["epoll", "io_uring"],
                        help="`use METHOD;` in Portico's events block only (nginx has no io_uring); "
                             "default: none, so epoll for both")


def server_config(name, text, args):
    """The configuration text for server {name}: Portico's gets --portico-use's line."""
    if name != "portico" or not args.portico_use:
        return text
    events = "events { worker_connections 4096; }"
    assert events in text
    return text.replace(events, "events { worker_connections 4096; use %s; }" % args.portico_use)


def warm_up(servers, ports, path, args, load_processes, **wrk):
    """An uncounted run per proxy (Portico's JIT compiles its hot paths then); `wrk`: measure's
    scheme and headers."""
    if args.warmup <= 0:
        return
    for name in SERVERS:
        warm = measure(servers[name], ports[name], path, args.warmup, args, load_processes, **wrk)
        print(f"  warm-up {name:8} {warm['rps']:10.0f} req/s  p99 {warm['p99_ms']:8.2f} ms"
              + "".join(f"  [{n}]" for n in problems(warm)))


def run_rounds(servers, ports, path, args, load_processes, label, load_name="load", **wrk):
    """args.rounds wrk runs per proxy, the proxies taking turns and the first one alternating.

    A round in which another program took our CPUs is run again, up to args.retries times; the
    last one counts. Returns the results per proxy, the problems seen and the rounds that stayed
    disturbed, each named with `label`. `wrk`: measure's scheme and headers."""
    runs = {name: [] for name in SERVERS}
    trouble, disturbed = [], []
    for round_index in range(args.rounds):
        order = SERVERS if round_index % 2 == 0 else SERVERS[::-1]
        for name in order:
            for attempt in range(args.retries + 1):
                result = measure(servers[name], ports[name], path, args.duration, args, load_processes, **wrk)
                disturbed_by = disturbance(result)
                notes = problems(result) + ([disturbed_by] if disturbed_by else [])
                print(f"  round {round_index + 1} {name:8} {result['rps']:10.0f} req/s  "
                      f"p99 {result['p99_ms']:8.2f} ms  proxy CPU {result['cpu_us_per_request']:6.1f} us/req  "
                      f"RSS {result['rss_kb'] / 1024:6.1f} MB  CPU{PROXY_CPU} {result['busy'][PROXY_CPU]:3.0f} % "
                      f"(proxy {result['ours'][PROXY_CPU]:3.0f})  CPU{LOAD_CPU} {result['busy'][LOAD_CPU]:3.0f} % "
                      f"({load_name} {result['ours'][LOAD_CPU]:3.0f})" + "".join(f"  [{n}]" for n in notes))
                if not disturbed_by:
                    break
                if attempt < args.retries:
                    print(f"  round {round_index + 1} {name:8} again: another program was running")
                    time.sleep(RETRY_PAUSE)
            runs[name].append(result)
            trouble += [f"{label}{name} round {round_index + 1}: {n}" for n in problems(result)]
            if disturbed_by:
                disturbed.append(f"{label}{name} round {round_index + 1}: {disturbed_by}")
    return runs, trouble, disturbed


def medians(runs):
    """Per proxy, the median requests/s, p99 (ms) and proxy CPU per request (us) of its rounds."""
    return {name: {key: statistics.median(r[key] for r in results)
                   for key in ("rps", "p99_ms", "cpu_us_per_request")} for name, results in runs.items()}


def report_problems(servers, prefixes, trouble, disturbed):
    """Prints each proxy's error log and output (any line is a problem), the disturbed rounds and
    every problem seen; the exit status: 1 when there was a problem, else 0."""
    trouble = list(trouble)
    for name in SERVERS:
        # Anything a proxy printed (a JVM's stack trace, a warning) counts as its error log does.
        for what, lines in [("error log", error_log_lines(prefixes[name])),
                            ("output", servers[name].output_lines())]:
            print(f"\n{name} {what}: {len(lines)} lines" + "".join(f"\n  {line}" for line in lines[:10]))
            if len(lines) > 10:
                print(f"  ... {len(lines) - 10} more")
            if lines:
                trouble.append(f"{name}: {len(lines)} {what} lines")
    if disturbed:
        print("\nrounds disturbed by other programs (rerun on a quiet machine):\n  " + "\n  ".join(disturbed))
    if trouble:
        print("\nproblems seen:\n  " + "\n  ".join(trouble))
    return 1 if trouble else 0


def print_medians(summary, label, width=8):
    """The closing table: per case (`label`), each proxy's median requests/s, p99 and CPU per
    request, and the ratios Portico/nginx."""
    print(f"{label:{width}} {'portico req/s':>14} {'nginx req/s':>12} {'ratio':>6}   "
          f"{'portico p99':>11} {'nginx p99':>10} {'ratio':>6}   "
          f"{'portico CPU':>11} {'nginx CPU':>10} {'ratio':>6}")
    for case, by in summary.items():
        p, n = by["portico"], by["nginx"]
        print(f"{case:{width}} {p['rps']:14.0f} {n['rps']:12.0f} {ratio(p['rps'], n['rps']):6.2f}   "
              f"{p['p99_ms']:8.2f} ms {n['p99_ms']:7.2f} ms {ratio(p['p99_ms'], n['p99_ms']):6.2f}   "
              f"{p['cpu_us_per_request']:5.1f} us/req {n['cpu_us_per_request']:4.1f} us/req "
              f"{ratio(p['cpu_us_per_request'], n['cpu_us_per_request']):6.2f}")


def stop_all(started, root):
    """Stops every process this program started, the last first, and removes its temporary folder."""
    for process in reversed(started):
        process.stop()
    shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_options(parser)
    add_portico_use(parser)
    parser.add_argument("--upstream-keepalive", type=int, default=32,
                        help="the upstream blocks' keepalive; 0 leaves the directive out (a connection per request)")
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS),
                        help="run only these (repeatable); default: all")
    args = parser.parse_args()
    scenarios = args.scenario or list(SCENARIOS)
    check_tools()

    # This program's own work (parsing, /proc reads) stays off the proxies' CPU.
    os.sched_setaffinity(0, {int(LOAD_CPU)})
    # A TERM ends the run through the finally below, so nothing it started outlives it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    root = tempfile.mkdtemp(prefix="bench-proxy-")
    started = []
    try:
        ports = {name: free_port() for name in ["flask_upstream", "fast_upstream"]}
        # The same text for both proxies but for the prefix and the listening ports, which
        # must differ as both run at once.
        listen = {name: {scenario: free_port() for scenario in SCENARIOS} for name in SERVERS}
        prefixes = {}
        for name in ["upstream", "gunicorn"] + SERVERS:
            prefixes[name] = os.path.join(root, name)
            for sub in ["logs", "conf", "temp"]:
                os.makedirs(os.path.join(prefixes[name], sub))

        upstream_conf = os.path.join(prefixes["upstream"], "conf", "nginx.conf")
        with open(upstream_conf, "w") as f:
            f.write(UPSTREAM_CONFIG.format(prefix=prefixes["upstream"], port=ports["fast_upstream"],
                                           temp_paths=TEMP_PATHS.format(prefix=prefixes["upstream"])))
        upstream = Process("upstream-nginx", ["taskset", "-c", LOAD_CPU, NGINX, "-p", prefixes["upstream"],
                                              "-c", upstream_conf], prefixes["upstream"])
        started.append(upstream)
        # One worker: on one CPU more processes only add switching; four threads overlap the
        # little waiting there is, and keep-alive lets both proxies reuse their connections.
        gunicorn = Process("gunicorn", ["taskset", "-c", LOAD_CPU, GUNICORN, "--chdir", FLASKAPP,
                                        "--bind", f"127.0.0.1:{ports['flask_upstream']}", "--workers", "1",
                                        "--worker-class", "gthread", "--threads", "4", "--keep-alive", "75",
                                        "wsgi:application"], prefixes["gunicorn"])
        started.append(gunicorn)
        upstream.wait_port(ports["fast_upstream"])
        gunicorn.wait_port(ports["flask_upstream"])
        check_answer(ports["fast_upstream"], "/headers", b"ok\n", "the fast upstream")
        check_answer(ports["flask_upstream"], "/headers", b"{}\n", "Gunicorn")

        servers = {}
        for name in SERVERS:
            prefix = prefixes[name]
            conf = os.path.join(prefix, "conf", "nginx.conf")
            with open(conf, "w") as f:
                f.write(server_config(name, PROXY_CONFIG.format(
                    prefix=prefix, temp_paths=TEMP_PATHS.format(prefix=prefix),
                    keepalive=f"\n        keepalive {args.upstream_keepalive};" if args.upstream_keepalive else "",
                    flask_location=PROXY_LOCATION.format(upstream="flask"),
                    fast_location=PROXY_LOCATION.format(upstream="fast"), **ports, **listen[name]), args))
            binary = PORTICO if name == "portico" else NGINX
            check = subprocess.run([binary, "-t", "-q", "-p", prefix, "-c", conf], capture_output=True, text=True)
            if check.returncode != 0:
                fail(f"{name} rejects the configuration:\n{check.stderr.strip()}")
            servers[name] = Process(name, ["taskset", "-c", PROXY_CPU, binary, "-p", prefix, "-c", conf], prefix)
            started.append(servers[name])
        for name, server in servers.items():
            for scenario in scenarios:
                server.wait_port(listen[name][scenario])
                path, body, _ = SCENARIOS[scenario]
                check_answer(listen[name][scenario], path, body, f"{name} ({scenario})")

        load_processes = [upstream, gunicorn]
        with open("/proc/loadavg") as f:
            print(f"load average before: {' '.join(f.read().split()[:3])}")
        print(f"upstream keepalive {args.upstream_keepalive or 'off'}; "
              f"wrk -t {args.threads} -c {args.connections}, warm-up {args.warmup} s, "
              f"{args.rounds} x {args.duration} s per proxy and scenario; proxies on CPU {PROXY_CPU}, "
              f"upstreams and wrk on CPU {LOAD_CPU}")
        summary = {}
        trouble = []
        disturbed = []
        for scenario in scenarios:
            path, _, what = SCENARIOS[scenario]
            print(f"\n== {scenario}: {what}")
            ports = {name: listen[name][scenario] for name in SERVERS}
            warm_up(servers, ports, path, args, load_processes)
            runs, seen, stayed = run_rounds(servers, ports, path, args, load_processes, f"{scenario} ")
            trouble += seen
            disturbed += stayed
            summary[scenario] = medians(runs)

        with open("/proc/loadavg") as f:
            print(f"\nload average after: {' '.join(f.read().split()[:3])}")
        print(f"\nmedians of {args.rounds} rounds (rps ratio >= 1 and p99 / CPU ratios <= 1 favour Portico)")
        print_medians(summary, "scenario")

        return report_problems(servers, prefixes, trouble, disturbed)
    finally:
        stop_all(started, root)


if __name__ == "__main__":
    sys.exit(main())
