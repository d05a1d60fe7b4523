#!/usr/bin/env python3
"""TLS: full handshakes per second and proxied HTTPS requests, Portico beside Debian's nginx.

Both proxies read the same configuration text (only the prefix and the listening ports
differ) and run at the same time, pinned to CPU 0; wrk, the fast upstream (a second nginx
answering `return 200 "ok\\n"`) and this program run on CPU 1. Cases, one server each:

    rsa-1.3, rsa-1.2, ecdsa-1.3, ecdsa-1.2
            full handshakes: a self-signed RSA 2048 or ECDSA P-256 certificate, ssl_protocols
            TLSv1.3 or TLSv1.2 alone, `return 200 "ok\\n"`. Sessions cannot be resumed
            (ssl_session_cache off, ssl_session_tickets off) and wrk sends `Connection: close`,
            so every request is a new TCP connection and a full handshake: requests/s are
            handshakes/s. wrk keeps -c connections in flight, so the proxy never waits for the
            client; one wrk thread on CPU 1 does a client's half (key share, one signature
            check), much less than the server's signature and key exchange, most of all with
            RSA. Checked first with openssl s_client: the protocol, the key size, and a second
            connection offering the first one's session is not resumed.
    https   proxy_pass over HTTPS (TLSv1.3, the ECDSA certificate) to the fast upstream with
            keepalive 32; wrk keeps its connections alive: the record layer's cost per request
    http    the same location over plain HTTP, for the difference TLS makes

For each case each proxy gets an uncounted warm-up, then R rounds of wrk, the proxies taking
turns; medians and ratios Portico/nginx of requests/s, p99 latency and the proxy's CPU time per
request (per handshake in the handshake cases). The measuring, the check that no other program
took our CPUs (a disturbed round is run again, --retries) and the report of problems are
bench/proxy_vs_nginx.py's.

Runs by hand (after `mvn -B -q package -DskipTests`):

    bench/tls_vs_nginx.py [--duration 20] [--warmup 10] [--rounds 3] [--case rsa-1.3 ...]

Exit status as proxy_vs_nginx.py's: 0; 1 when wrk saw socket errors or non-2xx answers, or a
proxy wrote to its error log or output; 2 when a tool is missing, a server does not start, or a
check fails. It ends by itself, stops every process it started by pid and removes its
temporary folder.
"""
import argparse
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import http.client

import proxy_vs_nginx as bench
from processes import free_port

OPENSSL = "/usr/bin/openssl"
PATH, BODY = "/tls", b"ok\n"

# case: (server block's key, protocol, scheme, what it is)
CASES = {
    "rsa-1.3": ("rsa", "TLSv1.3", "https", "full handshakes, RSA 2048, TLSv1.3"),
    "rsa-1.2": ("rsa", "TLSv1.2", "https", "full handshakes, RSA 2048, TLSv1.2"),
    "ecdsa-1.3": ("ecdsa", "TLSv1.3", "https", "full handshakes, ECDSA P-256, TLSv1.3"),
    "ecdsa-1.2": ("ecdsa", "TLSv1.2", "https", "full handshakes, ECDSA P-256, TLSv1.2"),
    "https": ("ecdsa", "TLSv1.3", "https", "proxy_pass over HTTPS (TLSv1.3, ECDSA), keep-alive"),
    "http": (None, None, "http", "the same proxy_pass over plain HTTP, keep-alive"),
}
HANDSHAKES = [case for case in CASES if case not in ("https", "http")]
KEY_BITS = {"rsa": 2048, "ecdsa": 256}

HANDSHAKE_SERVER = """
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {certs}/{key}.pem;
        ssl_certificate_key {certs}/{key}.key;
        ssl_protocols {protocol};
        location / {{ return 200 "ok\\n"; }}
    }}"""

# The configuration both proxies read, word for word. One suite per key type in TLSv1.2, so
# that both proxies use the same; TLSv1.3's is the client's first (TLS_AES_256_GCM_SHA384).
PROXY_CONFIG = bench.MAIN_CONFIG + """http {{
    access_log off;
    keepalive_requests 100000;{temp_paths}
    ssl_session_cache off;
    ssl_session_tickets off;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;
    upstream fast {{
        server 127.0.0.1:{fast_upstream};
        keepalive 32;
    }}{handshake_servers}
    server {{
        listen 127.0.0.1:{https} ssl;
        ssl_certificate {certs}/ecdsa.pem;
        ssl_certificate_key {certs}/ecdsa.key;
        ssl_protocols TLSv1.3;{location}
    }}
    server {{
        listen 127.0.0.1:{http};{location}
    }}
}}
"""


def check_tools():
    missing = [f"{tool} ({hint})" for tool, hint in [("wrk", "apt-get install wrk"),
                                                     ("taskset", "apt-get install util-linux")]
               if not shutil.which(tool)]
    for path, hint in [(bench.NGINX, "apt-get install nginx"), (OPENSSL, "apt-get install openssl"),
                       (bench.PORTICO_JAR, "build it first: mvn -B -q package -DskipTests")]:
        if not os.path.exists(path):
            missing.append(f"{path} ({hint})")
    if missing:
        bench.fail("missing: " + "; ".join(missing))
    if (os.cpu_count() or 1) < 2:
        bench.fail("needs 2 CPUs: the proxies run on CPU 0, the load and the upstream on CPU 1")


def make_certificates(folder):
    for key, algorithm in [("rsa", ["rsa:2048"]), ("ecdsa", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"])]:
        done = subprocess.run([OPENSSL, "req", "-x509", "-newkey", *algorithm, "-nodes", "-keyout",
                               os.path.join(folder, f"{key}.key"), "-out", os.path.join(folder, f"{key}.pem"),
                               "-days", "2", "-subj", f"/CN={key}.bench"], capture_output=True, text=True)
        if done.returncode != 0:
            bench.fail(f"openssl could not make the {key} certificate: {done.stderr.strip()}")


def s_client(port, protocol, *extra):
    flag = {"TLSv1.3": "-tls1_3", "TLSv1.2": "-tls1_2"}[protocol]
    try:
        done = subprocess.run([OPENSSL, "s_client", "-connect", f"127.0.0.1:{port}", flag, *extra],
                              input="", capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        bench.fail(f"openssl s_client to port {port} did not end")
    return done.stdout


def check_handshakes(name, port, key, protocol, folder):
    """The server speaks `protocol` with the `key` certificate and resumes no session."""
    session = os.path.join(folder, f"{name}-{port}.session")
    first = s_client(port, protocol, "-sess_out", session)
    bits = re.search(r"Server public key is (\d+) bit", first)
    if f"New, {protocol}," not in first or not bits or int(bits.group(1)) != KEY_BITS[key]:
        bench.fail(f"{name} on port {port}: expected a new {protocol} session with a {KEY_BITS[key]}-bit key,"
                   f" s_client printed:\n{first[-1500:]}")
    second = s_client(port, protocol, "-sess_in", session) if os.path.exists(session) else first
    if "Reused," in second or f"New, {protocol}," not in second:
        bench.fail(f"{name} on port {port}: the second connection was not a new {protocol} session:\n"
                   f"{second[-1500:]}")


def check_https(port, what):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=context)
    try:
        connection.request("GET", PATH)
        response = connection.getresponse()
        got = response.read()
    except OSError as e:
        bench.fail(f"{what} on port {port}: {e}")
    finally:
        connection.close()
    if response.status != 200 or got != BODY:
        bench.fail(f"{what} on port {port}: {response.status} {got[:80]!r}, expected 200 {BODY!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench.add_run_options(parser)
    bench.add_portico_use(parser)
    parser.add_argument("--case", action="append", choices=list(CASES),
                        help="run only these (repeatable); default: all")
    args = parser.parse_args()
    cases = args.case or list(CASES)
    check_tools()
    os.sched_setaffinity(0, {int(bench.LOAD_CPU)})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    root = tempfile.mkdtemp(prefix="bench-tls-")
    started = []
    try:
        certs = os.path.join(root, "certs")
        os.makedirs(certs)
        make_certificates(certs)
        fast_upstream = free_port()
        prefixes = {}
        for name in ["upstream"] + bench.SERVERS:
            prefixes[name] = os.path.join(root, name)
            for sub in ["logs", "conf", "temp"]:
                os.makedirs(os.path.join(prefixes[name], sub))
        upstream_conf = os.path.join(prefixes["upstream"], "conf", "nginx.conf")
        with open(upstream_conf, "w") as f:
            f.write(bench.UPSTREAM_CONFIG.format(prefix=prefixes["upstream"], port=fast_upstream,
                                                 temp_paths=bench.TEMP_PATHS.format(prefix=prefixes["upstream"])))
        upstream = bench.Process("upstream-nginx", ["taskset", "-c", bench.LOAD_CPU, bench.NGINX,
                                                    "-p", prefixes["upstream"], "-c", upstream_conf],
                                 prefixes["upstream"])
        started.append(upstream)
        upstream.wait_port(fast_upstream)
        bench.check_answer(fast_upstream, PATH, BODY, "the fast upstream")

        servers, listen = {}, {}
        for name in bench.SERVERS:
            prefix = prefixes[name]
            listen[name] = {case: free_port() for case in CASES}
            conf = os.path.join(prefix, "conf", "nginx.conf")
            with open(conf, "w") as f:
                f.write(bench.server_config(name, PROXY_CONFIG.format(
                    prefix=prefix, temp_paths=bench.TEMP_PATHS.format(prefix=prefix), certs=certs,
                    fast_upstream=fast_upstream, https=listen[name]["https"], http=listen[name]["http"],
                    location=bench.PROXY_LOCATION.format(upstream="fast"),
                    handshake_servers="".join(HANDSHAKE_SERVER.format(
                        port=listen[name][case], certs=certs, key=CASES[case][0], protocol=CASES[case][1])
                        for case in HANDSHAKES)), args))
            binary = bench.PORTICO if name == "portico" else bench.NGINX
            check = subprocess.run([binary, "-t", "-q", "-p", prefix, "-c", conf], capture_output=True, text=True)
            if check.returncode != 0:
                bench.fail(f"{name} rejects the configuration:\n{check.stderr.strip()}")
            servers[name] = bench.Process(name, ["taskset", "-c", bench.PROXY_CPU, binary, "-p", prefix,
                                                 "-c", conf], prefix)
            started.append(servers[name])
        for name, server in servers.items():
            for case in cases:
                key, protocol, scheme, _ = CASES[case]
                port = listen[name][case]
                server.wait_port(port)
                if scheme == "http":
                    bench.check_answer(port, PATH, BODY, f"{name} ({case})")
                    continue
                check_https(port, f"{name} ({case})")
                check_handshakes(name, port, key, protocol, root)
            print(f"{name}: answers checked; handshake servers speak their protocol and key, resume nothing")

        with open("/proc/loadavg") as f:
            print(f"load average before: {' '.join(f.read().split()[:3])}")
        print(f"wrk -t {args.threads} -c {args.connections}, warm-up {args.warmup} s, {args.rounds} x "
              f"{args.duration} s per proxy and case; proxies on CPU {bench.PROXY_CPU}, the upstream and wrk "
              f"on CPU {bench.LOAD_CPU}")
        summary, trouble, disturbed = {}, [], []
        for case in cases:
            _, _, scheme, what = CASES[case]
            print(f"\n== {case}: {what}")
            wrk = {"scheme": scheme, "headers": ["Connection: close"] if case in HANDSHAKES else []}
            ports = {name: listen[name][case] for name in bench.SERVERS}
            bench.warm_up(servers, ports, PATH, args, [upstream], **wrk)
            runs, seen, stayed = bench.run_rounds(servers, ports, PATH, args, [upstream], f"{case} ",
                                                  load_name="load", **wrk)
            trouble += seen
            disturbed += stayed
            summary[case] = bench.medians(runs)

        with open("/proc/loadavg") as f:
            print(f"\nload average after: {' '.join(f.read().split()[:3])}")
        print(f"\nmedians of {args.rounds} rounds; handshake cases: requests/s = full handshakes/s, "
              f"CPU per request = per handshake")
        bench.print_medians(summary, "case", 10)
        if "https" in summary and "http" in summary:
            print("\nHTTPS / HTTP, keep-alive (what TLS costs each proxy per request)")
            for name in bench.SERVERS:
                tls, plain = summary["https"][name], summary["http"][name]
                print(f"  {name:8} req/s {bench.ratio(tls['rps'], plain['rps']):5.2f}  "
                      f"CPU/req {bench.ratio(tls['cpu_us_per_request'], plain['cpu_us_per_request']):5.2f}")

        return bench.report_problems(servers, prefixes, trouble, disturbed)
    finally:
        bench.stop_all(started, root)


if __name__ == "__main__":
    sys.exit(main())
