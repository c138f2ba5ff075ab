#!/bin/sh
# check_image.sh BUILD — the container image and docs/deploy.md's "Containers",
# without a container engine. The top-level Dockerfile is applied to a
# Debian 12 root file system made by `debootstrap --variant=minbase
# bookworm` (what the debian:12 image is): FROM, WORKDIR, COPY of the tree
# (less what .dockerignore names), RUN in a chroot, EXPOSE noted. Then the
# section's head and worker blocks run, as written, on the three machines
# of tests/netns/lib.sh, with `docker run` a process chrooted into an
# overlay of that file system of its own (its -v volumes bind-mounted,
# /etc/hosts naming head.example), `sudo` dropped and `scp` a copy between
# the machines' directories (/srv/dsk stands for each machine's). A user's
# key is made beside, and the seed's search must complete on the two
# workers with the scores of `dsk-submit --local 2`.
#
# Not checked: what only an engine does (--memory, -p, layers). Needs root
# and debootstrap; downloads the base system once (about 100 MB, kept in
# DSK_IMAGE_BASE, build/image-base by default) and the build's packages
# at each run. `make check-image`; not part of `make check`.
set -eu
build=${1:-build}
NET_NAME=check-image
fail() { echo "check-image: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
say() { echo "check-image: $*"; }
if [ "$(id -u)" != 0 ]; then
    say "skipped: needs root (chroot, mounts, network namespaces)"
    exit 0
fi
command -v debootstrap >/dev/null 2>&1 || fail "debootstrap not found (apt-get install debootstrap)"

TOP=$(pwd)
. "$TOP/tests/netns/lib.sh"
net_prepare im
BASE=${DSK_IMAGE_BASE:-$TOP/build/image-base}
IMAGE="$NET_ROOT/image"
CONTAINERS="$NET_ROOT/containers"
s_exit() {
    rc=$?
    if [ $rc != 0 ] && ls "$CONTAINERS"/*.log >/dev/null 2>&1; then
        keep=$(mktemp -d "${TMPDIR:-/tmp}/check-image-logs.XXXXXX")
        cp "$CONTAINERS"/*.log "$keep/"
        say "the containers' logs are in $keep"
    fi
    NET_PIDS="$NET_PIDS $(cat "$NET_ROOT/containers.pids" 2>/dev/null || true)"
    net_down
    rm -rf "$NET_ROOT"
}
trap s_exit EXIT
trap 'exit 1' INT TERM HUP

# FROM debian:12
if [ ! -x "$BASE/bin/sh" ]; then
    say "debootstrap --variant=minbase bookworm (once, into $BASE)"
    rm -rf "$BASE.tmp"
    debootstrap --variant=minbase bookworm "$BASE.tmp" "${DSK_DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
        >"$NET_ROOT/debootstrap.log" 2>&1 || fail "debootstrap failed: $(tail -5 "$NET_ROOT/debootstrap.log")"
    mv "$BASE.tmp" "$BASE"
fi
mkdir -p "$IMAGE" "$CONTAINERS"
cp -a "$BASE/." "$IMAGE/"
cp /etc/resolv.conf "$IMAGE/etc/resolv.conf" # the build's apt-get reaches the mirror

# s_chroot ROOT DIR CMD — CMD by /bin/sh -c in DIR of ROOT, as a RUN does.
s_chroot() {
    unshare -m --propagation private sh -c '
        mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && mount -t tmpfs tmpfs "$0/tmp" &&
        exec chroot "$0" /bin/sh -c "cd \"\$0\" && $2" "$1"' "$@"
}

# The Dockerfile, instruction by instruction (continuation lines joined).
workdir=/ exposed=""
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$TOP/Dockerfile" | grep -v '^[[:space:]]*\(#\|$\)' >"$NET_ROOT/Dockerfile"
while IFS= read -r line; do
    instr=${line%% *} arg=${line#* }
    case $instr in
    FROM) [ "$arg" = debian:12 ] || fail "Dockerfile: FROM $arg: this check makes debian:12 only" ;;
    WORKDIR) workdir=$arg; mkdir -p "$IMAGE$workdir" ;;
    COPY)
        [ "$arg" = ". ." ] || fail "Dockerfile: COPY $arg: this check copies the tree only (. .)"
        set --
        while IFS= read -r pat; do
            case $pat in ''|'#'*) ;; *) set -- "$@" "--exclude=./$pat" ;; esac
        done <"$TOP/.dockerignore"
        tar -C "$TOP" "$@" -cf - . | tar -C "$IMAGE$workdir" -xf - ;;
    RUN)
        say "RUN $(echo "$arg" | cut -c1-100)..."
        s_chroot "$IMAGE" "$workdir" "$arg" >"$NET_ROOT/run.log" 2>&1 ||
            fail "Dockerfile: RUN failed: $(tail -15 "$NET_ROOT/run.log")" ;;
    EXPOSE) exposed=$arg ;;
    *) fail "Dockerfile: $instr: not an instruction this check knows" ;;
    esac
done <"$NET_ROOT/Dockerfile"
for p in dskd-scheduler dskd-worker dsk-submit dsk-keygen; do
    [ -x "$IMAGE/usr/bin/$p" ] || fail "the image has no /usr/bin/$p"
done
[ -f "$IMAGE/etc/dsk/dskd-scheduler.conf" ] || fail "the image has no /etc/dsk/dskd-scheduler.conf"
[ ! -e "$IMAGE$workdir/build" ] || fail "the image keeps the build directory"
say "image: $(du -sm "$IMAGE" | cut -f1) MB, exposes $exposed"

# The machines (and the user's programs, in $DEST), and `docker run` on them.
make -s install DESTDIR="$DEST" PREFIX=/usr BUILD="$build" >/dev/null
net_up
machine=""
s_path() { # a host path (the blocks' are the machine's already), or a named volume's
    case $1 in /*) echo "$1" ;; *) echo "$NET_ROOT/$machine/volumes/$1" ;; esac
}
docker() {
    [ "$1" = run ] || fail "docker $1: this check runs containers only"
    shift
    rm=0 detach=0 name="c$$-$(date +%s%N)" mounts=""
    while [ $# -gt 0 ]; do
        case $1 in
        --rm) rm=1 ;;
        -d) detach=1 ;;
        --name) name=$2; shift ;;
        -p|--memory) shift ;; # an engine's: the machine's address is reached directly
        -v)
            src=${2%%:*} rest=${2#*:}
            dst=${rest%%:*} opt=""
            [ "$rest" = "$dst" ] || opt=${rest#*:}
            host=$(s_path "$src")
            mkdir -p "$host"
            mounts="$mounts $host|$dst|$opt"
            shift ;;
        -*) fail "docker run $1: an option this check does not know" ;;
        *) break ;;
        esac
        shift
    done
    [ "$1" = dsk ] || fail "docker run: image $1, not dsk"
    shift
    c="$CONTAINERS/$machine-$name"
    mkdir -p "$c/upper" "$c/work" "$c/root"
    # shellcheck disable=SC2016 # expanded by the inner shell
    set -- sh -c '
        c=$1 image=$2 hosts=$3 mounts=$4
        shift 4
        mount -t overlay overlay -o "lowerdir=$image,upperdir=$c/upper,workdir=$c/work" "$c/root" || exit 1
        mount -t proc proc "$c/root/proc" && mount --rbind /dev "$c/root/dev" || exit 1
        touch "$c/root/etc/hosts" # an engine writes one; a minbase system has none
        mount -t tmpfs tmpfs "$c/root/tmp" && mount --bind "$hosts" "$c/root/etc/hosts" || exit 1
        for m in $mounts; do
            src=${m%%|*} rest=${m#*|}
            dst=${rest%%|*} opt=${rest#*|}
            mkdir -p "$c/root$dst" && mount --bind "$src" "$c/root$dst" || exit 1
            [ "$opt" != ro ] || mount -o remount,bind,ro "$c/root$dst" || exit 1
        done
        exec chroot "$c/root" "$@"' sh "$c" "$IMAGE" "$NET_ROOT/hosts" "$mounts" "$@"
    if [ $detach = 1 ]; then
        unshare -m --propagation private ip netns exec "$(net_ns "$machine")" "$@" \
            >>"$CONTAINERS/$machine-$name.log" 2>&1 &
        echo $! >>"$NET_ROOT/containers.pids" # the blocks run in a subshell
    else
        unshare -m --propagation private ip netns exec "$(net_ns "$machine")" "$@"
        [ $rm = 0 ] || rm -rf "$c"
    fi
}
sudo() { "$@"; }
hostname() { echo "$machine"; }
scp() { # scp SRC DST, either of them head.example:PATH
    from=$1 to=$2
    case $from in head.example:*) from="$NET_ROOT/head${from#head.example:}" ;; esac
    case $to in head.example:*) to="$NET_ROOT/head${to#head.example:}" ;; esac
    cp "$from" "$to"
}
{
    echo "127.0.0.1 localhost"
    echo "$(net_addr head) head.example"
} >"$NET_ROOT/hosts"

# The section's blocks: [0] docker build (done above), [1] the head, [2] each worker.
python3 - "$TOP/docs/deploy.md" "$NET_ROOT" <<'EOF'
import re, sys
doc = open(sys.argv[1]).read()
section = doc[doc.index("\n## Containers"):]
section = section[:section.index("\n## ", 1)]
blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
if len(blocks) != 3 or blocks[0].strip() != "docker build -t dsk .":
    sys.exit("check-image: docs/deploy.md's Containers section: expected the build, head and "
             "worker blocks, found %d blocks" % len(blocks))
for name, text in zip(("head", "worker"), blocks[1:]):
    open("%s/%s.sh" % (sys.argv[2], name), "w").write(text)
EOF
[ -s "$NET_ROOT/head.sh" ] || fail "no head block in docs/deploy.md's Containers section"
# s_block MACHINE FILE — the block's lines, in one shell with the functions
# above, the host's /srv being the machine's directory (the head's, after
# head.example:).
s_block() {
    machine=$1
    mkdir -p "$NET_ROOT/$machine/home"
    sed -e "s|head.example:/srv/|head.example:@SRV@/|g" -e "s|/srv/|$NET_ROOT/$machine/srv/|g" \
        -e "s|@SRV@|/srv|g" "$2" >"$NET_ROOT/$machine/block.sh"
    (cd "$NET_ROOT/$machine/home" && . "$NET_ROOT/$machine/block.sh") >>"$CONTAINERS/blocks.log" 2>&1 ||
        fail "on $machine, $(basename "$2" .sh)'s block failed: $(tail -5 "$CONTAINERS/blocks.log")"
}
s_block head "$NET_ROOT/head.sh"
s_block w1 "$NET_ROOT/worker.sh"
s_block w2 "$NET_ROOT/worker.sh"
say "the head's and the two workers' blocks ran"

# A user on the head machine, as "systemd on a fleet" makes one.
home="$NET_ROOT/head/home"
PATH="$DEST/usr/bin:$PATH"
(cd "$home" && dsk-keygen alice >/dev/null && cp alice.pub "$NET_ROOT/head/srv/dsk/keys/clients/" &&
    cp "$NET_ROOT/head/srv/dsk/keys/scheduler.pub" .)
export DSK_KEY="$home/alice.key" DSK_SCHEDULER_KEY="$home/scheduler.pub"
user() { (cd "$home" && ip netns exec "$(net_ns head)" dsk-submit --scheduler "tcp://$(net_addr head):8786" "$@"); }
i=0
until [ "$(user --timeout 2 --reconnect 0 status --json 2>/dev/null |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["workers"]))' 2>/dev/null)" = 2 ]; do
    [ $i -lt 100 ] || fail "the scheduler does not list 2 workers: $(tail -5 "$CONTAINERS"/*.log)"
    sleep 0.2
    i=$((i + 1))
done
say "the containers' scheduler lists both workers, CURVE on"
python3 "$TOP/tests/netns/results.py" seed "$TOP/examples/seed_grid.json" "$home/seed.json"
user search seed.json --out cluster.json >/dev/null 2>&1 || fail "the seed's search failed on the containers"
(cd "$home" && dsk-submit --local 2 search seed.json --out local.json >/dev/null 2>&1) ||
    fail "dsk-submit --local 2 failed"
python3 "$TOP/tests/netns/results.py" same "$home/cluster.json" "$home/local.json" \
    "check-image: the seed's search on the containers" "on a local cluster" ||
    fail "the scores differ from the local run's"
echo "1 passed, 0 failed"
