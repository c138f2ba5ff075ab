#!/bin/sh
# check_slurm.sh BUILD — docs/deploy.md's Slurm batch script, as written
# there, on a real Slurm: slurmctld and three slurmd "nodes" (n1, n2, n3)
# in the network namespaces of tests/netns/lib.sh, each slurmd under its
# own node name (`slurmd -N`) and address, munge for their credentials.
# `sbatch --wait` runs the script over the three nodes: the scheduler and
# the client on n1, a dskd-worker on n2 and on n3 through `srun`. The job
# is the seed's search (the script's examples/news20_full_grid.json is
# swapped for it: minutes, not an hour), with SGDClassifier(random_state
# = 0), and its result must have the scores of the same search on
# `dsk-submit --local 2`.
#
# Needs root (namespaces) and Slurm with munge (Debian's slurmctld, slurmd,
# slurm-client and munge, which `make deps` installs); skipped, saying so,
# without them. Nothing of the machine's own Slurm or munge is used or touched:
# their own config, key, sockets and state live in a scratch directory.
# Each slurmd runs in its node's network namespace (nsenter: the machine's
# cgroup mounts stay in view, which slurmd needs) and a mount namespace of
# its own where a hosts file naming the nodes covers /etc/hosts; the batch
# script and its srun steps run under it. Everything goes at exit.
set -eu
build=${1:-build}
NET_NAME=check-slurm
fail() { echo "check-slurm: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
say() { echo "check-slurm: $*"; }

if [ "$(id -u)" != 0 ]; then
    say "skipped: needs root (network namespaces)"
    exit 0
fi
for p in slurmctld slurmd sbatch scontrol sinfo munged mungekey ip; do
    command -v $p >/dev/null 2>&1 || { say "skipped: $p not found (make deps-slurm)"; exit 0; }
done

# slurmd will not start without a cgroup file system (whatever its plugins)
[ -n "$(ls /sys/fs/cgroup 2>/dev/null)" ] ||
    { say "skipped: slurmd needs a cgroup file system mounted at /sys/fs/cgroup"; exit 0; }

TOP=$(pwd)
. "$TOP/tests/netns/lib.sh"
net_prepare sl
SL="$NET_ROOT/slurm"
SLURM_PIDS=""
s_exit() {
    rc=$?
    # a job still running (a failed run) is cancelled first: its steps' processes
    # (a scheduler, workers) would outlive slurmd
    if [ -n "${SLURM_CONF:-}" ]; then
        ip netns exec "$(net_ns head)" scancel --full --user=root 2>/dev/null || true
        sleep 1
    fi
    for p in $SLURM_PIDS; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in $SLURM_PIDS; do kill -9 "$p" 2>/dev/null || true; done
    if [ $rc != 0 ] && ls "$SL"/*.log >/dev/null 2>&1; then
        keep=$(mktemp -d "${TMPDIR:-/tmp}/check-slurm-logs.XXXXXX")
        cp "$SL"/*.log "$keep/" 2>/dev/null || true
        cp "$NET_ROOT"/head/home/slurm-*.out "$keep/" 2>/dev/null || true
        say "the logs are in $keep"
    fi
    net_down
    rm -rf "$NET_ROOT"
}
trap s_exit EXIT
trap 'exit 1' INT TERM HUP
make -s install DESTDIR="$DEST" PREFIX=/usr BUILD="$build" >/dev/null
net_up
mkdir -p "$SL/state" "$SL/spool/n1" "$SL/spool/n2" "$SL/spool/n3"

# The nodes: n1 on the head's namespace, n2 and n3 on the workers'.
node() { case $1 in head) echo n1 ;; w1) echo n2 ;; w2) echo n3 ;; esac; }
{
    echo "127.0.0.1 localhost"
    for k in head w1 w2; do echo "$(net_addr $k) $(node $k)"; done
} >"$SL/hosts"
# node_exec MACHINE CMD... — CMD on MACHINE's network, the nodes' names in
# /etc/hosts; run in the background (`node_exec ... &`), it becomes CMD, so
# that $! is CMD's pid.
node_exec() {
    ns=$(net_ns "$1")
    shift
    exec unshare -m sh -c 'mount --bind "$0" /etc/hosts && n=$1 && shift && exec nsenter --net="/run/netns/$n" "$@"' \
        "$SL/hosts" "$ns" "$@"
}

# munge, on a socket of its own (a Unix socket: every namespace reaches it)
mungekey -c -k "$SL/munge.key" >/dev/null
chmod 0600 "$SL/munge.key"
munged --force --key-file="$SL/munge.key" --socket="$SL/munge.socket" \
    --pid-file="$SL/munged.pid" --log-file="$SL/munged.log" --seed-file="$SL/munged.seed"
SLURM_PIDS="$(cat "$SL/munged.pid")"

cpus=$(nproc)
cat >"$SL/slurm.conf" <<EOF
ClusterName=dskcheck
SlurmctldHost=$(hostname)($(net_addr head))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SL/munge.socket
CredType=cred/munge
StateSaveLocation=$SL/state
SlurmdSpoolDir=$SL/spool/%n
SlurmctldPidFile=$SL/slurmctld.pid
SlurmdPidFile=$SL/slurmd-%n.pid
SlurmctldLogFile=$SL/slurmctld.log
SlurmdLogFile=$SL/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
NodeName=n1 NodeAddr=$(net_addr head) CPUs=$cpus State=UNKNOWN
NodeName=n2 NodeAddr=$(net_addr w1) CPUs=$cpus State=UNKNOWN
NodeName=n3 NodeAddr=$(net_addr w2) CPUs=$cpus State=UNKNOWN
PartitionName=main Nodes=n1,n2,n3 Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$SL/slurm.conf"
ip netns exec "$(net_ns head)" slurmctld -D -i -f "$SLURM_CONF" >>"$SL/slurmctld.log" 2>&1 &
SLURM_PIDS="$SLURM_PIDS $!"
for m in head w1 w2; do
    node_exec $m slurmd -D -N "$(node $m)" -f "$SLURM_CONF" \
        >>"$SL/slurmd-$(node $m).log" 2>&1 &
    SLURM_PIDS="$SLURM_PIDS $!"
done
i=0
until [ "$(ip netns exec "$(net_ns head)" sinfo -h -N -t idle -o %N 2>/dev/null | sort -u | wc -l)" = 3 ]; do
    [ $i -lt 150 ] || fail "the three nodes are not idle: $(ip netns exec "$(net_ns head)" sinfo -N 2>&1)"
    sleep 0.2
    i=$((i + 1))
done
say "Slurm $(slurmd -V | cut -d' ' -f2): nodes n1 n2 n3 idle"

# The script, as docs/deploy.md has it (the sh block under "## Slurm"),
# with the seed's search for the whole grid.
home="$NET_ROOT/head/home"
mkdir -p "$home/examples"
python3 - "$TOP" "$home" <<'EOF'
import json, re, sys
top, home = sys.argv[1:3]
doc = open(top + "/docs/deploy.md").read()
section = doc[doc.index("\n## Slurm"):]
section = section[:section.index("\n## ", 1)]
[script] = re.findall(r"```sh\n(#!/bin/bash\n.*?)```", section, re.S)
if "examples/news20_full_grid.json" not in script:
    sys.exit("check-slurm: docs/deploy.md's Slurm script no longer runs examples/news20_full_grid.json")
open(home + "/dsk-grid.sh", "w").write(script.replace("news20_full_grid.json", "seed_grid.json"))
EOF
python3 "$TOP/tests/netns/results.py" seed "$TOP/examples/seed_grid.json" "$home/examples/seed_grid.json"
[ -s "$home/dsk-grid.sh" ] || fail "no Slurm script in docs/deploy.md"

# sbatch on n1, as a user on the cluster's login node would; the script's
# #SBATCH lines ask for 8 CPUs and 16G a node: these nodes have fewer,
# so the command line asks for what they have (it overrides those lines).
say "sbatch --wait dsk-grid.sh (the seed's search on n1 + n2, n3)"
t0=$(date +%s)
(cd "$home" && PATH="$DEST/usr/bin:$PATH" timeout 600 ip netns exec "$(net_ns head)" \
    sbatch --wait --cpus-per-task=1 --mem=0 dsk-grid.sh >"$SL/sbatch.log" 2>&1) ||
    fail "the batch job failed: $(cat "$SL/sbatch.log"; cat "$home"/slurm-*.out 2>/dev/null)"
t1=$(date +%s)
jobid=$(sed -n 's/^Submitted batch job //p' "$SL/sbatch.log")
result="$home/result-$jobid.json"
[ -s "$result" ] || fail "no result-$jobid.json: $(cat "$home"/slurm-*.out)"
grep -q "registered from $(net_addr w1)" "$home/slurm-$jobid.out" &&
    grep -q "registered from $(net_addr w2)" "$home/slurm-$jobid.out" ||
    fail "the scheduler's log does not show workers from n2 and n3: $(cat "$home/slurm-$jobid.out")"
say "job $jobid: done in $((t1 - t0)) s, workers registered from n2 and n3"

# The same search on a local cluster: the same scores.
(cd "$home" && PATH="$DEST/usr/bin:$PATH" dsk-submit --local 2 search examples/seed_grid.json \
    --out local.json >/dev/null 2>&1) || fail "dsk-submit --local 2 failed"
python3 "$TOP/tests/netns/results.py" same "$result" "$home/local.json" "check-slurm: the batch job" \
    "on a local cluster" || fail "the scores differ from the local run's"
echo "1 passed, 0 failed"
