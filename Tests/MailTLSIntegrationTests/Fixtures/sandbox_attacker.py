#!/usr/bin/env python3
"""Raw clients that attack the mailtls sandbox the way its hostile-client tests describe. Each prints what the
sandbox answered and exits 0 when the conversation ran to its end (the verdict is the Swift test's).

Modes:
  imap-raw HOST PORT CA USER PASSWORD LINE...   implicit TLS, LOGIN, then each LINE; prints every reply line
  pop3-raw HOST PORT CA USER PASSWORD LINE...   implicit TLS, USER/PASS, then each LINE; prints every reply line
  smtp-guess HOST PORT CA USER N RIGHT          implicit TLS, N wrong AUTH PLAIN, then the right one:
                                                prints "wrong CODE..." and "right CODE"
  smtp-bulk HOST PORT CA USER PASSWORD N SIZE   implicit TLS, login, N messages of SIZE bytes: prints the codes
  smtp-parallel HOST PORT N SIZE                N plaintext clients at once, each one message of SIZE bytes:
                                                prints "accepted K"
"""
import socket
import ssl
import sys
import threading

mode = sys.argv[1]


def tls_connect(host, port, ca):
    context = ssl.create_default_context(cafile=ca)
    raw = socket.create_connection((host, int(port)), timeout=20)
    return context.wrap_socket(raw, server_hostname=host)


class Lines:
    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.rstrip(b"\r").decode(errors="replace")

    def send(self, text):
        self.sock.sendall(text.encode() + b"\r\n")


def smtp_reply(lines):
    while True:
        line = lines.line()
        if len(line) < 4 or line[3] != "-":
            return line


def plain(user, password):
    import base64
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


if mode == "imap-raw":
    host, port, ca, user, password = sys.argv[2:7]
    lines = Lines(tls_connect(host, port, ca))
    print(lines.line())
    lines.send(f'a1 LOGIN "{user}" "{password}"')
    while not (reply := lines.line()).startswith("a1 "):
        print(reply)
    print(reply)
    for command in sys.argv[7:]:
        tag = command.split(" ", 1)[0]
        lines.send(command)
        while True:
            reply = lines.line()
            print(reply[:200])
            if reply.startswith(tag + " "):
                break
elif mode == "pop3-raw":
    host, port, ca, user, password = sys.argv[2:7]
    lines = Lines(tls_connect(host, port, ca))
    print(lines.line())
    for command in (f"USER {user}", f"PASS {password}"):
        lines.send(command)
        print(lines.line())
    for command in sys.argv[7:]:
        lines.send(command)
        reply = lines.line()
        print(reply)
        if reply.startswith("+OK") and command.split(" ")[0].upper() in ("TOP", "RETR", "LIST", "UIDL") \
                and len(command.split(" ")) != 2:
            while (body := lines.line()) != ".":
                pass
elif mode == "smtp-guess":
    host, port, ca, user, count, right = sys.argv[2:8]
    lines = Lines(tls_connect(host, port, ca))
    smtp_reply(lines)
    lines.send("EHLO guesser.test")
    smtp_reply(lines)
    codes = []
    for attempt in range(int(count)):
        lines.send("AUTH PLAIN " + plain(user, f"wrong-{attempt}"))
        codes.append(smtp_reply(lines)[:3])
    print("wrong " + " ".join(codes))
    lines.send("AUTH PLAIN " + plain(user, right))
    print("right " + smtp_reply(lines)[:3])
elif mode == "smtp-bulk":
    host, port, ca, user, password, count, size = sys.argv[2:9]
    lines = Lines(tls_connect(host, port, ca))
    smtp_reply(lines)
    lines.send("EHLO bulk.test")
    smtp_reply(lines)
    lines.send("AUTH PLAIN " + plain(user, password))
    smtp_reply(lines)
    codes = []
    body = b"Subject: bulk\r\n\r\n" + (b"x" * 998 + b"\r\n") * (int(size) // 1000)
    for _ in range(int(count)):
        for command in ("MAIL FROM:<bulk@client.test>", "RCPT TO:<box@sandbox.test>", "DATA"):
            lines.send(command)
            smtp_reply(lines)
        lines.sock.sendall(body + b".\r\n")
        codes.append(smtp_reply(lines)[:3])
    print(" ".join(codes))
elif mode == "smtp-parallel":
    host, port, count, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    accepted = []
    line = b"y" * 998 + b"\r\n"

    def one():
        try:
            lines = Lines(socket.create_connection((host, port), timeout=60))
            smtp_reply(lines)
            for command in ("EHLO parallel.test", "MAIL FROM:<p@client.test>", "RCPT TO:<box@sandbox.test>",
                            "DATA"):
                lines.send(command)
                smtp_reply(lines)
            chunk = line * 1024
            sent = 0
            while sent < size:
                lines.sock.sendall(chunk)
                sent += len(chunk)
            lines.sock.sendall(b".\r\n")
            if smtp_reply(lines).startswith("250"):
                accepted.append(1)
        except (OSError, EOFError) as error:
            print("client failed:", error, file=sys.stderr)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"accepted {len(accepted)}")
else:
    sys.exit("unknown mode " + mode)
