#!/bin/sh
# check_systemd.sh BUILD — `make install` lays out what it should, and the
# unit files pass `systemd-analyze verify` (unknown keys, bad values,
# binaries that are not there).
set -eu
build=${1:-build}
fail() { echo "check-systemd: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
command -v systemd-analyze >/dev/null 2>&1 ||
    fail "systemd-analyze not found (install the 'systemd' package)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
make -s install DESTDIR="$root/dest" PREFIX=/usr BUILD="$build" >/dev/null
for f in usr/bin/dskd-scheduler usr/bin/dskd-worker usr/bin/dsk-submit usr/bin/dsk-keygen \
         etc/dsk/keys/workers etc/dsk/keys/clients \
         usr/lib/systemd/system/dskd-scheduler.service \
         usr/lib/systemd/system/dskd-worker@.service \
         etc/dsk/dskd-scheduler.conf etc/dsk/dskd-worker.conf; do
    [ -e "$root/dest/$f" ] || fail "make install did not write $f"
done
grep -q '^ExecStart=/usr/bin/dskd-scheduler' "$root/dest/usr/lib/systemd/system/dskd-scheduler.service" ||
    fail "installed unit does not point at the installed binary"
# CURVE on by default once installed: the configs name keys, the units pass them
grep -q '^key /etc/dsk/keys/scheduler.key' "$root/dest/etc/dsk/dskd-scheduler.conf" &&
    grep -q '^key /etc/dsk/keys/worker.key' "$root/dest/etc/dsk/dskd-worker.conf" &&
    grep -q '^LoadCredential=scheduler.key:' "$root/dest/usr/lib/systemd/system/dskd-scheduler.service" ||
    fail "the installed configs or units do not turn CURVE on"
grep -q '^journal /var/lib/dsk/journal' "$root/dest/etc/dsk/dskd-scheduler.conf" &&
    grep -q '^StateDirectory=dsk' "$root/dest/usr/lib/systemd/system/dskd-scheduler.service" ||
    fail "the installed scheduler does not journal its jobs in its state directory"

# Verify against the freshly built binaries (verify checks ExecStart exists).
# A template is verified through an instance of it.
bindir=$(cd "$build" && pwd)
sed "s|@BINDIR@|$bindir|g" systemd/dskd-scheduler.service > "$root/dskd-scheduler.service"
sed "s|@BINDIR@|$bindir|g" systemd/dskd-worker@.service > "$root/dskd-worker@1.service"
out=$(systemd-analyze verify "$root/dskd-scheduler.service" "$root/dskd-worker@1.service" 2>&1) ||
    { echo "$out" >&2; fail "systemd-analyze verify failed"; }
# verify exits 0 on some warnings; any line about our units is a failure.
if echo "$out" | grep -q 'dskd-'; then
    echo "$out" >&2
    fail "systemd-analyze verify warned"
fi
echo "check-systemd: make install layout and both unit files verified"
echo "2 passed, 0 failed"
