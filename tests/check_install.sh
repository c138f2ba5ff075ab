#!/bin/sh
# check_install.sh BUILD — `make install DESTDIR=... PREFIX=/usr` writes every
# program, man page, config, systemd unit and Python module where it belongs;
# each man page renders at 80 columns without a troff warning and documents
# every option its program's --help lists (and none it does not); `make
# uninstall` then takes back every file install wrote and nothing else: keys
# and the journal stay.
set -eu
build=${1:-build}
fail() { echo "check-install: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
for tool in man groff gzip; do
    command -v $tool >/dev/null 2>&1 ||
        fail "$tool not found (install the 'man-db' and 'groff-base' packages: make deps)"
done

programs="dskd-scheduler dskd-worker dsk-submit dsk-keygen"
pages="man1/dsk-submit.1 man1/dsk-keygen.1 man5/dsk-job.5 man8/dskd-scheduler.8 man8/dskd-worker.8"
site=usr/lib/python3/dist-packages    # Debian's path, the Makefile's PYTHON_SITE for /usr

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dest=$root/dest
make -s install DESTDIR="$dest" PREFIX=/usr BUILD="$build" >/dev/null ||
    fail "make install DESTDIR=$dest PREFIX=/usr failed"

# 1. everything where it belongs
for p in $programs; do
    [ -x "$dest/usr/bin/$p" ] || fail "make install did not write usr/bin/$p"
done
for m in $pages; do
    [ -f "$dest/usr/share/man/$m.gz" ] || fail "make install did not write usr/share/man/$m.gz"
    gzip -t "$dest/usr/share/man/$m.gz" || fail "usr/share/man/$m.gz is not a whole gzip file"
done
for f in etc/dsk/dskd-scheduler.conf etc/dsk/dskd-worker.conf \
         usr/lib/systemd/system/dskd-scheduler.service \
         usr/lib/systemd/system/dskd-worker@.service; do
    [ -f "$dest/$f" ] || fail "make install did not write $f"
done
for d in etc/dsk/keys/workers etc/dsk/keys/clients; do
    [ -d "$dest/$d" ] || fail "make install did not make the directory $d"
done
for py in python/dsk/*.py; do
    [ -f "$dest/$site/dsk/${py##*/}" ] || fail "make install did not write $site/dsk/${py##*/}"
done

# 2. each page renders as man(1) shows it, and troff has nothing to say about it
for m in $pages; do
    gz=$dest/usr/share/man/$m.gz
    # MAN_DISABLE_SECCOMP: man-db's sandbox cannot start in some containers
    out=$(MANWIDTH=80 MAN_DISABLE_SECCOMP=1 MANPAGER=cat man --warnings=w -l "$gz" \
          2>"$root/stderr") || { cat "$root/stderr" >&2; fail "man -l $m failed"; }
    [ -n "$out" ] || fail "man -l $m printed nothing"
    gzip -dc "$gz" | groff -man -ww -z 2>>"$root/stderr"
    if [ -s "$root/stderr" ]; then
        cat "$root/stderr" >&2
        fail "troff warns about $m"
    fi
    name=${m#man?/}
    title=$(echo "${name%.?}(${name##*.})" | tr a-z A-Z)
    echo "$out" | head -n 1 | grep -qF "$title" || fail "$m does not render as $title"
done

# 3. the pages document the programs' real options: every --option a
# program's --help lists (its usage line aside: the daemons' says --name
# VALUE for any option) is in its page, and every --option a page names
# is one some program has (or another tool's, in the examples: systemctl
# enable --now). Pages write them \-\-name, as roff wants.
echo "--now" >"$root/all-help"
for p in $programs; do
    "$build/$p" --help >>"$root/all-help"
    section=1; case $p in dskd-*) section=8;; esac
    for opt in $("$build/$p" --help | sed 1d | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        grep -qF -- "$(echo "$opt" | sed 's/-/\\-/g')" "docs/man/$p.$section" ||
            fail "docs/man/$p.$section does not document $opt (from $p --help)"
    done
done
for m in $pages; do
    src=docs/man/${m#man?/}
    for opt in $(grep -v '^\.\\"' "$src" | grep -oE '\\-\\-[a-z]([a-z]|\\-)*' | tr -d '\\' | sort -u); do
        grep -q -- "$opt\([^a-z-]\|$\)" "$root/all-help" ||
            fail "$src names $opt, which no program's --help has"
    done
    # a bare -- outside comments would render as hyphens, and escape the check above
    if grep -v '^\.\\"' "$src" | grep -n -- '--' >&2; then
        fail "$src writes -- where roff wants \\-\\-"
    fi
done

# 4. uninstall: what people made in /etc/dsk/keys and the journal stay, the rest goes
mkdir -p "$dest/var/lib/dsk/journal"
echo key >"$dest/etc/dsk/keys/scheduler.key"
echo pub >"$dest/etc/dsk/keys/workers/node7.pub"
echo job >"$dest/var/lib/dsk/journal/journal"
# bytecode, as Python writes it beside modules it imports
mkdir -p "$dest/$site/dsk/__pycache__"
echo pyc >"$dest/$site/dsk/__pycache__/client.cpython-311.pyc"
make -s uninstall DESTDIR="$dest" PREFIX=/usr BUILD="$build" >/dev/null ||
    fail "make uninstall DESTDIR=$dest PREFIX=/usr failed"
left=$(cd "$dest" && find . ! -type d | sort)
kept="./etc/dsk/keys/scheduler.key
./etc/dsk/keys/workers/node7.pub
./var/lib/dsk/journal/journal"
if [ "$left" != "$kept" ]; then
    echo "after make uninstall:" >&2
    echo "$left" >&2
    fail "make uninstall should leave only the keys and the journal"
fi
[ ! -e "$dest/$site/dsk" ] || fail "make uninstall left the $site/dsk directory"

echo "check-install: programs, man pages, configs, units and the Python package installed;"
echo "check-install: the pages render cleanly and match --help; uninstall took them back"
echo "4 passed, 0 failed"
