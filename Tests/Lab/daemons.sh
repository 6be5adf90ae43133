# shellcheck shell=bash
# Sourced by lab.sh, internet.sh and dns-lab.sh: how the test fixtures start their daemons.
#
# A daemon that inherits a descriptor of its caller's (a flock on fd 9, a test runner's pipe that tells it a child
# has ended) keeps it open, and whoever waits on it waits forever: a CI run once hung that way. So daemons get
# /dev/null, a log, and nothing else.

# close_inherited_fds: close every descriptor above 2 of the current (sub)shell.
close_inherited_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
}

# detached LOG CMD...: run CMD (a self-daemonizing server) with stdin /dev/null, stdout and stderr appended to LOG,
# and no other descriptor of ours.
detached() {
    local logf=$1
    shift
    (
        close_inherited_fds
        exec "$@"
    ) </dev/null >>"$logf" 2>&1 9>&-
}
