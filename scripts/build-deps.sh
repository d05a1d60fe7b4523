#!/bin/sh
# Installs, as root on Debian, the C compiler the build needs (cc compiles the small JNI
# library in src/main/c), only when it is missing.
set -eu
if command -v cc >/dev/null 2>&1 && [ -f /usr/include/stdio.h ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "build-deps: cc or the C headers are missing; run as root or install gcc and libc6-dev" >&2
    exit 1
fi
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gcc libc6-dev >/dev/null
