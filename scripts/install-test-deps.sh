#!/bin/bash
# Installs, as root on Debian 12, what the test suite needs besides a JDK and Maven:
#   curl                  requests from the e2e tests
#   openssl               test certificates and the s_client TLS client
#   gcc libc6-dev         the build compiles src/main/c/portico_native.c (JNI) with cc
#   nghttp2-client        h2 test client
#   gunicorn python3-flask uwsgi uwsgi-plugin-python3 python3-websockets
#                         upstream servers for proxy, uwsgi and websocket tests
#   nginx                 reference behaviour to compare with
#   wrk                   load generator
#   testssl.sh            TLS scanner run against Portico's TLS servers (TestsslTest)
# Installs only what is missing (nothing at all when everything is there) and starts no
# service: package scripts are told through policy-rc.d that starting services is forbidden.
set -euo pipefail

packages=(curl openssl gcc libc6-dev nghttp2-client gunicorn python3-flask uwsgi uwsgi-plugin-python3
          python3-websockets nginx wrk testssl.sh)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-test-deps: all test dependencies are installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: missing: ${missing[*]}; run this script as root" >&2
    exit 1
fi

echo "install-test-deps: installing ${missing[*]}"

# Forbid service starts during the installation (Debian's nginx and uwsgi packages start
# their service when they can), and put back whatever policy was there before.
policy=/usr/sbin/policy-rc.d
backup=""
if [ -e "$policy" ]; then
    backup=$(mktemp)
    cp -p "$policy" "$backup"
fi
restore_policy() {
    if [ -n "$backup" ]; then
        cp -p "$backup" "$policy"
        rm -f "$backup"
    else
        rm -f "$policy"
    fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# install-test-deps.sh: no service starts during package installation\nexit 101\n' > "$policy"
chmod 755 "$policy"

nginx_before=$(pgrep -x nginx || true)

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

# Should a package script have started nginx anyway, stop the master it started (by pid).
if [ -f /run/nginx.pid ]; then
    master=$(cat /run/nginx.pid 2>/dev/null || true)
    if [ -n "$master" ] && kill -0 "$master" 2>/dev/null && ! grep -qx "$master" <<<"$nginx_before"; then
        echo "install-test-deps: stopping the nginx (pid $master) started by its package"
        kill -QUIT "$master" || true
    fi
fi

echo "install-test-deps: done"
