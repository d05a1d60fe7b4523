#!/usr/bin/env python3
"""The cost of balancing across 4 peers against 1 peer, Portico beside Debian's nginx.

Both proxies read the same configuration text (only the prefix and the listening ports
differ) and run at the same time, pinned to CPU 0: an upstream block of one peer and one of
four peers (round robin, equal weights), each with `keepalive 32`, each proxied by a server of
its own with proxy_http_version 1.1 and an empty Connection header. The peers are four
servers of a second nginx on CPU 1 answering `return 200 "ok\\n"` (proxy_vs_nginx.py's fast
upstream, four times): the upstream costs little, so what shows is the proxy's own work,
peer choice included. wrk and this program run on CPU 1 too.

For each case (1 peer, 4 peers) each proxy gets an uncounted warm-up, then R rounds of wrk,
the proxies taking turns and the first one alternating. Printed: per round and as medians,
requests/s, p99 latency and the proxy's CPU time per request; then the ratios 4 peers / 1
peer for each proxy (what balancing costs) and Portico / nginx for each case. Before
measuring, eight requests through each proxy's 4-peer server must reach all four peers (each
peer names itself in a header). The measuring, the check that no other program took our CPUs
(a disturbed round is run again, --retries) and the report of problems are
bench/proxy_vs_nginx.py's.

Runs by hand (after `mvn -B -q package -DskipTests`):

    bench/balancing_vs_nginx.py [--duration 20] [--warmup 10] [--rounds 3]

Exit status as proxy_vs_nginx.py's: 0; 1 when wrk saw socket errors or non-2xx answers, or
a proxy wrote to its error log or output; 2 when a tool is missing, a server does not start,
or requests do not reach every peer. It ends by itself, stops every process it started by pid
and removes its temporary folder.
"""
import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import proxy_vs_nginx as bench
from processes import free_port

PEERS = 4
PATH, BODY = "/balance", b"ok\n"
CASES = {"1 peer": "one", f"{PEERS} peers": "four"}

# The configuration both proxies read, word for word.
PROXY_CONFIG = bench.MAIN_CONFIG + """http {{
    access_log off;
    keepalive_requests 100000;{temp_paths}
    upstream one {{
        server 127.0.0.1:{peer1};{keepalive}
    }}
    upstream four {{{four_servers}{keepalive}
    }}
    server {{
        listen 127.0.0.1:{one};{one_location}
    }}
    server {{
        listen 127.0.0.1:{four};{four_location}
    }}
}}
"""

# The peers: one nginx on CPU 1, a server per peer, each naming itself in X-Peer.
PEER_SERVER = """
    server {{
        listen 127.0.0.1:{port};
        location / {{
            add_header X-Peer {n};
            return 200 "ok\\n";
        }}
    }}"""

UPSTREAM_CONFIG = bench.MAIN_CONFIG + """http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300;{temp_paths}{servers}
}}
"""


def check_tools():
    missing = [f"{tool} ({hint})" for tool, hint in [("wrk", "apt-get install wrk"),
                                                     ("taskset", "apt-get install util-linux")]
               if not shutil.which(tool)]
    for path, hint in [(bench.NGINX, "apt-get install nginx"),
                       (bench.PORTICO_JAR, "build it first: mvn -B -q package -DskipTests")]:
        if not os.path.exists(path):
            missing.append(f"{path} ({hint})")
    if missing:
        bench.fail("missing: " + "; ".join(missing))
    if (os.cpu_count() or 1) < 2:
        bench.fail("needs 2 CPUs: the proxies run on CPU 0, the peers and the load on CPU 1")


def peers_reached(port, requests):
    """The X-Peer values of `requests` sequential GETs on one keep-alive connection."""
    seen = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for _ in range(requests):
            connection.request("GET", PATH)
            response = connection.getresponse()
            response.read()
            seen.append(response.getheader("X-Peer"))
    except OSError as e:
        bench.fail(f"port {port}: {e}")
    finally:
        connection.close()
    return seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench.add_run_options(parser)
    parser.add_argument("--upstream-keepalive", type=int, default=32,
                        help="the upstream blocks' keepalive; 0 leaves the directive out")
    args = parser.parse_args()
    check_tools()
    os.sched_setaffinity(0, {int(bench.LOAD_CPU)})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    root = tempfile.mkdtemp(prefix="bench-balancing-")
    started = []
    try:
        peer_ports = [free_port() for _ in range(PEERS)]
        prefixes = {}
        for name in ["upstream"] + bench.SERVERS:
            prefixes[name] = os.path.join(root, name)
            for sub in ["logs", "conf", "temp"]:
                os.makedirs(os.path.join(prefixes[name], sub))
        upstream_conf = os.path.join(prefixes["upstream"], "conf", "nginx.conf")
        with open(upstream_conf, "w") as f:
            f.write(UPSTREAM_CONFIG.format(
                prefix=prefixes["upstream"], temp_paths=bench.TEMP_PATHS.format(prefix=prefixes["upstream"]),
                servers="".join(PEER_SERVER.format(port=port, n=n) for n, port in enumerate(peer_ports, 1))))
        upstream = bench.Process("upstream-nginx", ["taskset", "-c", bench.LOAD_CPU, bench.NGINX,
                                                    "-p", prefixes["upstream"], "-c", upstream_conf],
                                 prefixes["upstream"])
        started.append(upstream)
        for port in peer_ports:
            upstream.wait_port(port)
            bench.check_answer(port, PATH, BODY, "a peer")

        keepalive = f"\n        keepalive {args.upstream_keepalive};" if args.upstream_keepalive else ""
        servers, listen = {}, {}
        for name in bench.SERVERS:
            prefix = prefixes[name]
            listen[name] = {case: free_port() for case in CASES.values()}
            conf = os.path.join(prefix, "conf", "nginx.conf")
            with open(conf, "w") as f:
                f.write(PROXY_CONFIG.format(
                    prefix=prefix, temp_paths=bench.TEMP_PATHS.format(prefix=prefix), keepalive=keepalive,
                    peer1=peer_ports[0],
                    four_servers="".join(f"\n        server 127.0.0.1:{port};" for port in peer_ports),
                    one_location=bench.PROXY_LOCATION.format(upstream="one"),
                    four_location=bench.PROXY_LOCATION.format(upstream="four"), **listen[name]))
            binary = bench.PORTICO if name == "portico" else bench.NGINX
            check = subprocess.run([binary, "-t", "-q", "-p", prefix, "-c", conf], capture_output=True, text=True)
            if check.returncode != 0:
                bench.fail(f"{name} rejects the configuration:\n{check.stderr.strip()}")
            servers[name] = bench.Process(name, ["taskset", "-c", bench.PROXY_CPU, binary, "-p", prefix,
                                                 "-c", conf], prefix)
            started.append(servers[name])
        for name, server in servers.items():
            for case, block in CASES.items():
                server.wait_port(listen[name][block])
                bench.check_answer(listen[name][block], PATH, BODY, f"{name} ({case})")
            reached = peers_reached(listen[name]["four"], 2 * PEERS)
            if sorted(set(reached)) != [str(n) for n in range(1, PEERS + 1)]:
                bench.fail(f"{name}: {2 * PEERS} requests through the {PEERS}-peer block reached peers {reached}")
            print(f"{name}: {2 * PEERS} requests through the {PEERS}-peer block reached peers {' '.join(reached)}")

        with open("/proc/loadavg") as f:
            print(f"load average before: {' '.join(f.read().split()[:3])}")
        print(f"upstream keepalive {args.upstream_keepalive or 'off'}; wrk -t {args.threads} -c {args.connections}, "
              f"warm-up {args.warmup} s, {args.rounds} x {args.duration} s per proxy and case; proxies on "
              f"CPU {bench.PROXY_CPU}, the {PEERS} peers (one nginx) and wrk on CPU {bench.LOAD_CPU}")
        summary, trouble, disturbed = {}, [], []
        for case, block in CASES.items():
            print(f"\n== {case}")
            ports = {name: listen[name][block] for name in bench.SERVERS}
            bench.warm_up(servers, ports, PATH, args, [upstream])
            runs, seen, stayed = bench.run_rounds(servers, ports, PATH, args, [upstream], f"{case} ")
            trouble += seen
            disturbed += stayed
            summary[case] = bench.medians(runs)

        with open("/proc/loadavg") as f:
            print(f"\nload average after: {' '.join(f.read().split()[:3])}")
        print(f"\nmedians of {args.rounds} rounds")
        print(f"{'case':8} {'proxy':8} {'req/s':>10} {'p99':>11} {'CPU/req':>12}")
        for case, by in summary.items():
            for name in bench.SERVERS:
                m = by[name]
                print(f"{case:8} {name:8} {m['rps']:10.0f} {m['p99_ms']:8.2f} ms {m['cpu_us_per_request']:6.1f} us/req")
        one, four = summary["1 peer"], summary[f"{PEERS} peers"]
        print(f"\n{PEERS} peers / 1 peer (req/s below 1, p99 and CPU above 1: what balancing costs)")
        for name in bench.SERVERS:
            print(f"  {name:8} req/s {bench.ratio(four[name]['rps'], one[name]['rps']):5.2f}  "
                  f"p99 {bench.ratio(four[name]['p99_ms'], one[name]['p99_ms']):5.2f}  "
                  f"CPU/req {bench.ratio(four[name]['cpu_us_per_request'], one[name]['cpu_us_per_request']):5.2f}")
        print("\nPortico / nginx (req/s >= 1, p99 and CPU <= 1 favour Portico)")
        for case, by in summary.items():
            p, n = by["portico"], by["nginx"]
            print(f"  {case:8} req/s {bench.ratio(p['rps'], n['rps']):5.2f}  "
                  f"p99 {bench.ratio(p['p99_ms'], n['p99_ms']):5.2f}  "
                  f"CPU/req {bench.ratio(p['cpu_us_per_request'], n['cpu_us_per_request']):5.2f}")

        return bench.report_problems(servers, prefixes, trouble, disturbed)
    finally:
        for process in reversed(started):
            process.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
