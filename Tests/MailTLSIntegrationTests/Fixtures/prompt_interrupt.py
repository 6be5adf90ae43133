#!/usr/bin/env python3
"""Runs `mailtls diagnose --user ...` on a pseudo-terminal, presses Ctrl-C at the password prompt, and prints what
the terminal looks like afterwards: whether echo was off during the prompt and is back on after the process died.

Usage: prompt_interrupt.py MAILTLS   (prints one line: "prompt=1 echo-during=0 echo-after=1 signal=2")
"""
import fcntl
import os
import pty
import sys
import termios
import time

binary = sys.argv[1]
master, slave = pty.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for descriptor in (0, 1, 2):
        os.dup2(slave, descriptor)
    os.execv(binary, [binary, "diagnose", "--host", "127.0.0.1", "--port", "587", "--security", "starttls",
                      "--user", "alice", "--lang", "en"])
seen = b""
deadline = time.time() + 20
while b"assword" not in seen and time.time() < deadline:
    try:
        seen += os.read(master, 1024)
    except OSError:
        break
echo_during = termios.tcgetattr(slave)[3] & termios.ECHO
os.write(master, b"\x03")
_, status = os.waitpid(pid, 0)
echo_after = termios.tcgetattr(slave)[3] & termios.ECHO
signal = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
print(f"prompt={int(b'assword' in seen)} echo-during={int(bool(echo_during))} echo-after={int(bool(echo_after))} "
      f"signal={signal}")
