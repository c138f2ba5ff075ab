#!/bin/sh
# deps.sh — the Debian packages dsk's build and tests need.
# As root: installs what is missing. Otherwise: prints the apt-get line and
# fails if anything is missing, so `make check` stops with the fix in view.
set -eu
# `deps.sh bench` adds the reference stack the benchmarks compare against.
# man-db and groff-base: `make check` renders the man pages (tests/check_install.sh).
# chromium: the dashboard's page is checked in a headless browser (tests/cluster/check_dashboard.c).
# iproute2: tests/check_netns.sh makes network namespaces, links and a bridge.
# slurmctld, slurmd, slurm-client, munge: tests/check_slurm.sh runs docs/deploy.md's batch script.
build_pkgs="gcc make pkg-config libzmq3-dev libmicrohttpd-dev libmsgpack-dev libjansson-dev libopenblas-dev libpcre2-dev zlib1g-dev libxxhash-dev"
pkgs="$build_pkgs check libsubunit-dev systemd man-db groff-base valgrind python3-zmq python3-msgpack python3-numpy python3-scipy python3-sklearn python3-joblib python3-pytest python3-dask python3-tqdm python3-nbclient python3-ipykernel python3-pandas clang libclang-rt-14-dev tcpdump chromium iproute2 slurmctld slurmd slurm-client munge"
# `deps.sh build`: only what building and installing the programs needs (the
# container image's, Dockerfile).
if [ "${1:-}" = build ]; then
    pkgs=$build_pkgs
fi
if [ "${1:-}" = bench ]; then
    pkgs="$pkgs python3-sklearn python3-distributed python3-dask"
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: not a Debian system; dsk needs the equivalents of: $pkgs" >&2
    exit 0
fi
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "deps: installing$missing"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
else
    echo "deps: dsk needs packages that are not installed; run:" >&2
    echo "  sudo apt-get install$missing" >&2
    exit 1
fi
