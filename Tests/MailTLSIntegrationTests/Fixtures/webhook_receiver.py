#!/usr/bin/env python3
"""A webhook endpoint on loopback that keeps every POST: each body is appended as one JSON line to OUTPUT_FILE.

Usage: webhook_receiver.py LISTEN_HOST OUTPUT_FILE [STATUS]
Listens on a port the kernel chooses and prints "ready PORT"; answers every POST with STATUS (default 204).
Exits after 600 s or on SIGTERM.
"""
import http.server
import json
import signal
import sys
import threading

listen_host, output_file = sys.argv[1], sys.argv[2]
status = int(sys.argv[3]) if len(sys.argv) > 3 else 204
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = min(int(self.headers.get("Content-Length", "0")), 1 << 20)
        body = self.rfile.read(length)
        record = {"path": self.path, "content_type": self.headers.get("Content-Type", ""),
                  "body": body.decode("utf-8", "replace")}
        with lock, open(output_file, "a") as handle:
            handle.write(json.dumps(record) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_):
        pass


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server = http.server.ThreadingHTTPServer((listen_host, 0), Handler)
print("ready", server.server_address[1], flush=True)
timer = threading.Timer(600, server.shutdown)
timer.daemon = True
timer.start()
server.serve_forever()
