# lib.sh — a three-machine dsk cluster in network namespaces, for
# tests/check_netns.sh and bench/netns/run.sh (sourced, not run).
#
# Three namespaces stand for three machines: "head" (10.87.0.1), "w1"
# (10.87.0.2) and "w2" (10.87.0.3), each with a veth whose other end is in a
# Linux bridge in the root namespace: one switch, three cables. Each machine
# has a directory of its own under $NET_ROOT standing for its file system
# (its /etc/dsk, /var/lib/dsk, a home directory), and the cluster is set up
# by running docs/deploy.md's commands ("Keys" and "systemd on a fleet"),
# read from the doc itself (net_doc), on those machines.
#
# The caller sets TOP (the source tree), sources this file, calls
# net_prepare TAG (below) and then net_up; net_down undoes everything and
# is safe to call twice or after a partial net_up.

NET_PIDS=""
NET_SUBNET=10.87.0

net_say() { echo "${NET_NAME:-netns}: $*" >&2; }

# net_prepare TAG — NET_TAG (TAG and this process's id: the names of links
# and namespaces), NET_ROOT (a scratch directory), DEST (where `make
# install DESTDIR` puts the installed programs, configs and units), and
# DSK_DATA_HOME (the test data, beside the tree unless set).
net_prepare() {
    NET_TAG="$1$$"
    NET_ROOT=$(mktemp -d)
    DEST="$NET_ROOT/dest"
    export DSK_DATA_HOME="${DSK_DATA_HOME:-$TOP/../shared/data}"
}

# The namespace, the bridge-side link and the namespace-side link of a machine.
net_ns() { echo "${NET_TAG}-$1"; }
net_link() { echo "${NET_TAG}$1"; }
net_peer() { echo "${NET_TAG}$1p"; }
net_addr() {
    case $1 in head) echo "$NET_SUBNET.1" ;; w1) echo "$NET_SUBNET.2" ;; w2) echo "$NET_SUBNET.3" ;; esac
}

# Namespaces, veths and the bridge, and each machine's directories.
net_up() {
    ip link add "${NET_TAG}br" type bridge
    ip link set "${NET_TAG}br" up
    for m in head w1 w2; do
        ip netns add "$(net_ns $m)"
        ip link add "$(net_link $m)" type veth peer name "$(net_peer $m)"
        ip link set "$(net_peer $m)" netns "$(net_ns $m)"
        ip link set "$(net_link $m)" master "${NET_TAG}br"
        ip link set "$(net_link $m)" up
        ip -n "$(net_ns $m)" addr add "$(net_addr $m)/24" dev "$(net_peer $m)"
        ip -n "$(net_ns $m)" link set "$(net_peer $m)" up
        ip -n "$(net_ns $m)" link set lo up
        # a machine's file system: /etc/dsk as make install writes it, and home
        mkdir -p "$NET_ROOT/$m/etc" "$NET_ROOT/$m/var/lib" "$NET_ROOT/$m/home" "$NET_ROOT/$m/run"
        cp -R "$DEST/etc/dsk" "$NET_ROOT/$m/etc/dsk"
    done
}

# Kills what net_unit started, removes the namespaces, links and bridge.
net_down() {
    for p in $NET_PIDS; do
        kill "$p" 2>/dev/null || true
    done
    for p in $NET_PIDS; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null || true
    done
    NET_PIDS=""
    for m in head w1 w2; do
        ip link del "$(net_link $m)" 2>/dev/null || true
        ip netns del "$(net_ns $m)" 2>/dev/null || true
    done
    ip link del "${NET_TAG}br" 2>/dev/null || true
    for m in head w1 w2; do
        rm -rf "${NET_ROOT:?}/$m"
    done
}

# net_doc MACHINE LINE... — runs docs/deploy.md's command lines, as written
# there (each must be in the doc, or the doc and this test have drifted), on
# MACHINE: in its namespace, in its home directory, with the installed
# programs on PATH. What stands for a real machine: `/etc/dsk` and
# `/var/lib/dsk` are the machine's directories, `scp` to or from
# `head.example:` copies to or from the head's, `head.example` is the
# head's address, `$(hostname)` the machine's name, and `sudo` is dropped
# (the test is root). The lines run in one shell, so an `export` reaches
# the lines after it. `systemctl enable --now UNIT` starts the unit's
# command line as systemd would (net_unit).
net_doc() {
    m=$1
    shift
    script=""
    for line in "$@"; do
        grep -qF -- "$line" "$TOP/docs/deploy.md" ||
            { net_say "docs/deploy.md no longer has: $line"; return 1; }
        case $line in
        *"systemctl enable --now "*)
            net_sh "$m" "$script" || return 1
            script=""
            net_unit "$m" "${line##*--now }" || return 1
            continue ;;
        esac
        cmd=$(printf '%s\n' "$line" | sed \
            -e 's/^sudo //' -e 's/| sudo /| /' -e 's/&& sudo /\&\& /' \
            -e "s|head.example:/etc/dsk|@HEAD@|g" \
            -e "s|/etc/dsk|$NET_ROOT/$m/etc/dsk|g" \
            -e "s|@HEAD@|$NET_ROOT/head/etc/dsk|g" \
            -e "s|/var/lib/dsk|$NET_ROOT/$m/var/lib/dsk|g" \
            -e 's/^scp /cp /' -e 's/&& scp /\&\& cp /' \
            -e "s|head.example|$(net_addr head)|g" \
            -e "s|[$](hostname)|$m|g")
        script="$script$cmd
"
    done
    net_sh "$m" "$script"
}

# net_sh MACHINE SCRIPT — SCRIPT in MACHINE's namespace and home directory,
# the installed programs first on PATH.
net_sh() {
    [ -z "$2" ] && return 0
    (cd "$NET_ROOT/$1/home" &&
        PATH="$DEST/usr/bin:$PATH" ip netns exec "$(net_ns "$1")" sh -eu -c "$2") ||
        { net_say "on $1, failed: $2"; return 1; }
}

# net_unit MACHINE UNIT — what `systemctl enable --now UNIT` runs, taken
# from the installed unit file: its ExecStart with the installed config
# (the daemons read /etc/dsk/NAME.conf; here the machine's copy), the
# secret key handed over as LoadCredential= does (a private 0600 copy in
# the credentials directory %d), %H the machine's name, %i the instance,
# and the state directory (StateDirectory=dsk: /var/lib/dsk). Output goes
# to $NET_ROOT/MACHINE/UNIT.log.
net_unit() {
    m=$1 unit=$2
    case $unit in
    *@*) file="${unit%%@*}@.service" inst=${unit#*@} ;;
    *) file="$unit.service" inst="" ;;
    esac
    unitfile="$DEST/usr/lib/systemd/system/$file"
    [ -f "$unitfile" ] || { net_say "no installed unit $file"; return 1; }
    creds="$NET_ROOT/$m/run/credentials/$unit"
    mkdir -p "$creds" "$NET_ROOT/$m/var/lib/dsk"
    chmod 0700 "$creds"
    for c in $(sed -n 's/^LoadCredential=//p' "$unitfile"); do
        src=$(echo "${c#*:}" | sed "s|^/etc/dsk|$NET_ROOT/$m/etc/dsk|")
        cp "$src" "$creds/${c%%:*}" && chmod 0600 "$creds/${c%%:*}" ||
            { net_say "$unit: no credential ${c%%:*} ($src)"; return 1; }
    done
    exec_line=$(sed -n 's/^ExecStart=//p' "$unitfile" | sed \
        -e "s|^/usr/bin/|$DEST/usr/bin/|" -e "s|%d|$creds|g" -e "s|%H|$m|g" -e "s|%i|$inst|g")
    daemon=${file%%@*}
    daemon=${daemon%.service}
    conf="$NET_ROOT/$m/etc/dsk/$daemon.conf"
    sed -i -e "s| /etc/dsk| $NET_ROOT/$m/etc/dsk|g" -e "s| /var/lib/dsk| $NET_ROOT/$m/var/lib/dsk|g" "$conf"
    # shellcheck disable=SC2086 # the unit's command line, split as systemd splits it
    (cd "$NET_ROOT/$m/var/lib/dsk" &&
        exec ip netns exec "$(net_ns "$m")" $exec_line --config "$conf") \
        >>"$NET_ROOT/$m/$unit.log" 2>&1 &
    NET_PIDS="$NET_PIDS $!"
}

# net_client ARGS... — dsk-submit on the head node as the doc's client
# (alice, made by net_doc), output on stdout.
net_client() {
    (cd "$NET_ROOT/head/home" &&
        DSK_KEY="$NET_ROOT/head/home/alice.key" DSK_SCHEDULER_KEY="$NET_ROOT/head/home/scheduler.pub" \
        exec ip netns exec "$(net_ns head)" "$DEST/usr/bin/dsk-submit" \
            --scheduler "tcp://$(net_addr head):8786" "$@")
}

# net_status ARGS... — dsk-submit status, answered within 2 s or not at all.
net_status() {
    net_client --timeout 2 --reconnect 0 status "$@"
}

# The number of workers the scheduler lists.
net_workers() {
    net_status --json 2>/dev/null |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)["workers"]))' 2>/dev/null || echo 0
}

# net_wait_workers N SECONDS — until the scheduler lists N workers.
net_wait_workers() {
    deadline=$(($(date +%s) + $2))
    while [ "$(date +%s)" -le $deadline ]; do
        [ "$(net_workers)" = "$1" ] && return 0
        sleep 0.2
    done
    return 1
}

# net_cluster — docs/deploy.md's "systemd on a fleet" on the three machines:
# the head's key and scheduler, each worker's key, its exchange with the
# head, its config and dskd-worker@1, the client's key; then both workers
# must be listed.
net_cluster() {
    # docs/deploy.md, "systemd on a fleet": the head node
    net_doc head \
        "sudo dsk-keygen --dir /etc/dsk/keys scheduler" \
        "sudo systemctl enable --now dskd-scheduler" >/dev/null || return 1
    # the same section: each worker machine
    for w in w1 w2; do
        net_doc $w \
            "sudo dsk-keygen --dir /etc/dsk/keys worker" \
            "sudo scp /etc/dsk/keys/worker.pub head.example:/etc/dsk/keys/workers/\$(hostname).pub" \
            "sudo scp head.example:/etc/dsk/keys/scheduler.pub /etc/dsk/keys/" \
            "echo 'scheduler tcp://head.example:8786' | sudo tee -a /etc/dsk/dskd-worker.conf" \
            "echo 'nthreads 1' | sudo tee -a /etc/dsk/dskd-worker.conf" \
            "sudo systemctl enable --now dskd-worker@1" >/dev/null || return 1
    done
    # the same section: a user's key, in the head's keys/clients/
    net_doc head \
        "dsk-keygen alice" \
        "sudo scp alice.pub head.example:/etc/dsk/keys/clients/" \
        "scp head.example:/etc/dsk/keys/scheduler.pub ." >/dev/null || return 1
    net_wait_workers 2 20 || { net_say "the scheduler does not list both workers"; return 1; }
    # and what the user then types, as the doc shows it
    net_doc head \
        "export DSK_KEY=\$PWD/alice.key DSK_SCHEDULER_KEY=\$PWD/scheduler.pub" \
        "dsk-submit --scheduler tcp://head.example:8786 status" >/dev/null || return 1
}
