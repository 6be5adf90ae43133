# shellcheck shell=bash
# A fresh Debian 12 root for the checks that prove something on a machine that has nothing: sourced by
# scripts/check-fresh-install (install-deps and the lab) and scripts/check-package (the .deb, without Swift).
#
# The caller defines log and die, and LOG (the file quiet commands write to). Then:
#   fresh_root_open NAME [--wait]   the cache (MAILTLS_FRESH_CACHE, default /var/tmp/mailtls-fresh-install) and its
#                                   lock (fd 8; --wait waits for another check instead of stopping); sets CACHE, BASE
#                                   (the pristine root), DEBS (apt's downloads) and ROOT (CACHE/NAME, this check's root)
#   fresh_root_cleanup KEEP         in the caller's EXIT trap: ends what runs in ROOT, unmounts, removes ROOT
#                                   unless KEEP=1
#   fresh_root_base FRESH           debootstraps BASE once (--variant=minbase, from this machine's mirror), again
#                                   when FRESH=1 (downloads too); sets MIRROR, PROXY, base_time
#   fresh_root_new                  ROOT = a copy of BASE with this machine's Debian sources, apt proxy and DNS
#   fresh_root_mount                /proc, /sys, /dev, /dev/pts and DEBS as /var/cache/apt/archives in ROOT
#   in_root CMD...                  CMD in ROOT with a clean environment
# Everything under CACHE belongs to whoever holds the lock, so a killed earlier run's mounts and processes are cleared.
# The roots share BASE and DEBS: a package apt downloaded once is not downloaded again.

SUITE=bookworm

seconds() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { s = b - a; printf "%dm%04.1fs", s / 60, s - int(s / 60) * 60 }'; }

# quietly WHAT CMD...: run CMD with its output in $LOG; on failure show the end of the log and stop.
quietly() {
    local what=$1
    shift
    if ! "$@" >>"$LOG" 2>&1; then
        tail -n 40 "$LOG" >&2
        die "$what failed (full log: $LOG)"
    fi
}

# --- mounts and processes: always undone, whatever happens ---------------------------------------------------------
# mounts_under DIR: prints the mount points at or under DIR (from /proc/self/mountinfo)
mounts_under() { awk -v d="$1" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo; }
# release DIR: end the processes running with DIR as their root (a daemon a package started would keep the mounts
# busy) and unmount everything under DIR, deepest first.
release() {
    local dir=$1 pid pids=() mount
    for pid in /proc/[0-9]*; do
        [[ $(readlink "$pid/root" 2>/dev/null) == "$dir" ]] && pids+=("${pid#/proc/}")
    done
    if ((${#pids[@]})); then
        kill -KILL "${pids[@]}" 2>/dev/null || true
        for _ in $(seq 20); do kill -0 "${pids[@]}" 2>/dev/null || break; sleep 0.1; done
    fi
    while read -r mount; do
        umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true
    done < <(mounts_under "$dir" | sort -r)
}
# remove_tree DIR: rm -rf, but never through a mount point (a bind-mounted /dev must not be emptied)
remove_tree() {
    [[ -z $(mounts_under "$1") ]] || die "$1 has mounts under it: $(mounts_under "$1" | tr '\n' ' ')"
    rm -rf --one-file-system "$1"
}

fresh_root_open() { # fresh_root_open NAME [--wait]
    [[ $(id -u) == 0 ]] || die "must run as root (debootstrap, mount, chroot)"
    command -v debootstrap >/dev/null || die "debootstrap not found: apt-get install debootstrap (scripts/install-deps)"
    CACHE=${MAILTLS_FRESH_CACHE:-/var/tmp/mailtls-fresh-install}
    mkdir -p "$CACHE"
    CACHE=$(realpath "$CACHE") # compared with /proc/PID/root in release
    BASE=$CACHE/base DEBS=$CACHE/debs ROOT=$CACHE/$1
    exec 8>"$CACHE/lock"
    if ! flock -n 8; then
        [[ ${2:-} == --wait ]] || die "another check is using $CACHE (lock: $CACHE/lock)"
        log "waiting for another check using $CACHE to finish (lock: $CACHE/lock)"
        flock 8
    fi
    release "$ROOT"
    release "$BASE.tmp"
}

fresh_root_cleanup() { # fresh_root_cleanup KEEP
    release "$ROOT"
    release "$BASE.tmp" # an interrupted debootstrap leaves /proc and /sys mounted in the root it was building
    if [[ -n $(mounts_under "$ROOT") ]]; then
        log "still mounted, left in place: $(mounts_under "$ROOT" | tr '\n' ' ')"
    elif [[ $1 != 1 ]]; then
        rm -rf --one-file-system "$ROOT"
    fi
}

# --- the Debian mirror this machine uses ---------------------------------------------------------------------------
# Source files (one-line .list and deb822 .sources) that point at Debian's archive: no Signed-By, or Debian's
# keyring (third-party repositories need keys the new root does not have).
debian_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        grep -qE "^[^#]*\b$SUITE\b" "$f" || continue
        if grep -iE '^[^#]*signed-by' "$f" | grep -qv debian-archive-keyring; then continue; fi
        echo "$f"
    done
}
# mirror: the first deb URI serving the suite itself (not -security, not -updates)
mirror() {
    local f
    for f in $(debian_sources); do
        if [[ $f == *.sources ]]; then
            # deb822 stanzas: "URIs: URI...", "Suites: SUITE...", a blank line between stanzas
            awk -v suite="$SUITE" '
                function found() { return uris != "" && suites ~ (" " suite " ") }
                /^[[:space:]]*$/ { if (found()) exit; uris = suites = ""; next }
                /^URIs:/ { uris = $2 }
                /^Suites:/ { $1 = ""; suites = $0 " " }
                END { if (found()) print uris }' "$f"
        else
            # deb [OPTIONS] URI SUITE COMPONENT...
            awk -v suite="$SUITE" '$1 == "deb" {
                sub(/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?/, "")
                if ($2 == suite) print $1
            }' "$f"
        fi
    done | head -n 1
}

# --- the pristine root (cached) and the copy being checked ---------------------------------------------------------
fresh_root_base() { # fresh_root_base FRESH
    local phase
    MIRROR=$(mirror)
    [[ -n $MIRROR ]] || die "no Debian $SUITE mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d"
    # and the proxy apt goes through, if any, for debootstrap and the new root's apt alike
    PROXY=""
    eval "$(apt-config shell PROXY Acquire::http::Proxy)"
    [[ -z $PROXY ]] || export http_proxy=$PROXY
    if [[ $1 == 1 ]]; then
        remove_tree "$ROOT"
        remove_tree "$BASE"
        rm -rf "$DEBS"
    fi
    remove_tree "$ROOT" # a root left by --keep or an interrupted run
    if [[ ! -f $BASE/.complete ]]; then
        log "debootstrap --variant=minbase $SUITE from $MIRROR (under a minute; log: $LOG)"
        remove_tree "$BASE"
        phase=$(seconds)
        remove_tree "$BASE.tmp"
        quietly debootstrap debootstrap --variant=minbase "$SUITE" "$BASE.tmp" "$MIRROR"
        mv "$BASE.tmp" "$BASE"
        touch "$BASE/.complete"
        base_time="debootstrap $(elapsed "$phase")"
    else
        base_time="cached root"
    fi
}

fresh_root_new() {
    local phase f
    phase=$(seconds)
    cp -a "$BASE" "$ROOT"
    rm -f "$ROOT/.complete"
    base_time+=", copy $(elapsed "$phase")"
    # The new machine: this machine's Debian sources, its apt proxy, its DNS.
    rm -f "$ROOT/etc/apt/sources.list" "$ROOT"/etc/apt/sources.list.d/*
    for f in $(debian_sources); do cp "$f" "$ROOT/etc/apt/${f#/etc/apt/}"; done
    [[ -z $PROXY ]] || printf 'Acquire::http::Proxy "%s";\n' "$PROXY" >"$ROOT/etc/apt/apt.conf.d/01proxy"
    cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
}

# mount_in_root TARGET MOUNT-ARGS...
mount_in_root() {
    mkdir -p "$ROOT$1"
    mount "${@:2}" "$ROOT$1"
}
fresh_root_mount() {
    mkdir -p "$DEBS"
    mount_in_root /proc -t proc proc
    mount_in_root /sys -t sysfs sysfs
    mount_in_root /dev --bind /dev
    mount_in_root /dev/pts --bind /dev/pts
    mount_in_root /var/cache/apt/archives --bind "$DEBS"
}

# in_root CMD...: run CMD in the new root with a clean environment (nothing of this machine's PATH, pyenv, ...)
ROOT_ENV=(/usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
in_root() { chroot "$ROOT" "${ROOT_ENV[@]}" "$@" 8>&-; }
