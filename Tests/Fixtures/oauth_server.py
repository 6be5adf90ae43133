#!/usr/bin/env python3
"""A small OAuth 2.0 authorization server for the lab's XOAUTH2 / OAUTHBEARER chain (python3 stdlib only).

    python3 Tests/Fixtures/oauth_server.py --listen 127.0.0.20 --client-secret-file F [options]

Runs in the foreground, prints one line "ready" on stdout once both endpoints listen, and exits 0 on SIGTERM or
SIGINT. Two endpoints, on fixed ports because the lab's MAILBOX Dovecot names the introspection URL in its config
(Tests/Lab/lab.sh, write_mailbox_dovecot_config):

    token endpoint          https://127.0.0.20:8443/token        (HTTPS, leaf mailbox.mailtls.test, which also
                                                                    carries the IP SAN 127.0.0.20; verify it
                                                                    against $LAB_CA)
    introspection endpoint  http://127.0.0.20:8089/introspect    (plain HTTP on loopback; Dovecot's oauth2
                                                                    passdb calls it, RFC 7662)

Only one instance can run at a time (the ports are fixed); a second one fails with "address in use" and exit 1.

Token endpoint (RFC 6749 section 4.4 and 6; replies shaped like Microsoft identity platform and Google):
    POST /token, application/x-www-form-urlencoded. Client authentication in the body (client_id, client_secret)
    or with HTTP Basic (client_secret_basic).
      grant_type=client_credentials  client_id, client_secret, [scope]
      grant_type=refresh_token       client_id, refresh_token, [client_secret], [scope]
    200 {"token_type": "Bearer", "access_token": ..., "expires_in": N, "scope": ...}; a refresh_token grant
    with --rotate-refresh-tokens also returns a new "refresh_token" and invalidates the one used (reusing it gives
    invalid_grant), as Microsoft does; without rotation the refresh token stays valid and none is returned, as
    Google does.
    Errors: {"error": ..., "error_description": ...} with
      401 invalid_client          unknown client_id or wrong client_secret (Google and Microsoft answer 401;
                                  --invalid-client-status 400 for servers that answer 400); with HTTP Basic
                                  always 401 and a WWW-Authenticate header (RFC 6749 section 5.2)
      400 invalid_grant           unknown, used (rotated) or foreign refresh token
      400 invalid_request         a required parameter missing or repeated
      400 unsupported_grant_type  any other grant_type
    Every access token is issued for --user.

Introspection endpoint (RFC 7662): POST /introspect with token=... (Dovecot's introspection_mode = post), or GET
with "Authorization: Bearer TOKEN" (mode auth) or GET ?token=... (mode get). 200 with
    {"active": true, "username": USER, "email": USER, "sub": USER, "scope": ..., "client_id": ...,
     "token_type": "Bearer", "iat": ..., "exp": ...}
for tokens this process issued that have not expired, else 200 {"active": false}.

Options:
    --listen ADDR                 address of both endpoints (default 127.0.0.20)
    --token-port N                default 8443
    --introspection-port N        default 8089 (the lab's Dovecot calls this one; change it only with lab.sh)
    --cert FILE / --key FILE      HTTPS certificate chain and key (default $LAB_DIR/pki/mailbox.chain.pem and
                                  mailbox.key; LAB_DIR defaults to /tmp/mailtls-lab; the key is readable by root)
    --client-id ID                the one registered client (default mailtls-test-client)
    --client-secret-file FILE     its secret (first line); without it client_credentials is always invalid_client
                                  and refresh_token grants must not send a client_secret
    --refresh-token TOKEN         a refresh token valid from the start (issued to --client-id)
    --rotate-refresh-tokens       refresh_token grants return a new refresh token and retire the old one
    --expires-in N                access token lifetime in seconds (default 3600)
    --token-length N              characters per access token (default 43, base64url; at least 16). Entra ID
                                  access tokens are JWTs of 1500-2500+ characters: use e.g. 2500 to send
                                  AUTH lines of Microsoft's size
    --user ADDRESS                the account tokens are issued for (default alice@mailtls.test)
    --invalid-client-status N     HTTP status of invalid_client from client_secret_post (401 default, or 400)
    --log FILE                    append one JSON object per request (below)

Log (--log): one JSON object per line, flushed at once, with "time" (UTC, ISO 8601), "endpoint" ("token" or
"introspect"), "status" (HTTP) and
    token:      "grant_type", "client_id", "client_auth" ("post", "basic" or "none"), "scope", "result" ("issued"
                or the OAuth error code), "error_description" on errors, "access_token" and "refresh_token"
                (issued or presented; prefixes only), "expires_in"
    introspect: "method", "token" (prefix), "active", "reason" ("valid", "expired", "unknown", "missing"),
                "user" (when active), "validations" (times this token was introspected so far),
                "validations_total", and Dovecot's "dovecot_service" / "dovecot_remote" when it sends them
Secrets never appear in full: tokens and refresh tokens are logged as their first 8 characters, client secrets not
at all.
"""

import argparse
import base64
import datetime
import json
import os
import secrets
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX_LENGTH = 8
# Longest request body either endpoint accepts.
MAX_BODY = 64 * 1024


def prefix(secret):
    return None if secret is None else secret[:PREFIX_LENGTH]


class OAuthError(Exception):
    def __init__(self, status, error, description, headers=None):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}


class Authority:
    """Issued access tokens and valid refresh tokens, shared by both endpoints' threads."""

    def __init__(self, args, client_secret):
        self.args = args
        self.client_secret = client_secret
        self.lock = threading.Lock()
        self.access_tokens = {}     # token -> {"user", "client_id", "scope", "iat", "exp", "validations"}
        self.refresh_tokens = {}    # token -> client_id
        self.validations_total = 0
        if args.refresh_token:
            self.refresh_tokens[args.refresh_token] = args.client_id
        self.log_lock = threading.Lock()
        self.log_file = open(args.log, "a", encoding="utf-8") if args.log else None

    def log(self, record):
        if self.log_file is None:
            return
        record = dict(time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
                      **record)
        with self.log_lock:
            self.log_file.write(json.dumps(record, sort_keys=False) + "\n")
            self.log_file.flush()

    # --- token endpoint -------------------------------------------------------------------------------------------
    def authenticate_client(self, form, basic):
        """Returns (client_id, how). Raises invalid_client. basic: (id, secret) from HTTP Basic or None."""
        if basic is not None:
            client_id, secret = basic
            how = "basic"
        else:
            client_id = form.get("client_id")
            secret = form.get("client_secret")
            how = "post" if secret is not None else "none"
        status = 401 if basic is not None else self.args.invalid_client_status
        headers = {"WWW-Authenticate": 'Basic realm="mailtls-oauth"'} if basic is not None else {}
        if client_id is None:
            raise OAuthError(400, "invalid_request", "client_id is missing")
        if client_id != self.args.client_id:
            raise OAuthError(status, "invalid_client", "The OAuth client was not found.", headers)
        if secret is not None:
            if self.client_secret is None or not secrets.compare_digest(secret, self.client_secret):
                raise OAuthError(status, "invalid_client", "Invalid client secret provided.", headers)
        return client_id, how

    def new_access_token(self):
        n = self.args.token_length
        return secrets.token_urlsafe((n * 3 + 3) // 4)[:n]

    def issue(self, client_id, scope):
        now = time.time()
        token = self.new_access_token()
        with self.lock:
            self.access_tokens[token] = dict(user=self.args.user, client_id=client_id, scope=scope, iat=int(now),
                                             exp=now + self.args.expires_in, validations=0)
        reply = {"token_type": "Bearer", "access_token": token, "expires_in": self.args.expires_in}
        if scope:
            reply["scope"] = scope
        return reply

    def token(self, form, basic, record):
        grant = form.get("grant_type")
        record["grant_type"] = grant
        if grant not in ("client_credentials", "refresh_token"):
            if grant is None:
                raise OAuthError(400, "invalid_request", "grant_type is missing")
            raise OAuthError(400, "unsupported_grant_type", "grant_type %r is not supported" % grant)
        client_id, how = self.authenticate_client(form, basic)
        record["client_auth"] = how
        scope = form.get("scope", "")
        record["scope"] = scope
        if grant == "client_credentials":
            if how == "none":
                raise OAuthError(self.args.invalid_client_status, "invalid_client",
                                 "client_secret is required for client_credentials")
            reply = self.issue(client_id, scope)
        else:
            presented = form.get("refresh_token")
            if presented is None:
                raise OAuthError(400, "invalid_request", "refresh_token is missing")
            record["refresh_token"] = prefix(presented)
            with self.lock:
                owner = self.refresh_tokens.get(presented)
                if owner != client_id:
                    raise OAuthError(400, "invalid_grant", "Token has been expired or revoked.")
                new_refresh = None
                if self.args.rotate_refresh_tokens:
                    del self.refresh_tokens[presented]
                    new_refresh = secrets.token_urlsafe(32)
                    self.refresh_tokens[new_refresh] = client_id
            reply = self.issue(client_id, scope)
            if new_refresh is not None:
                reply["refresh_token"] = new_refresh
                record["new_refresh_token"] = prefix(new_refresh)
        record.update(result="issued", access_token=prefix(reply["access_token"]), expires_in=reply["expires_in"])
        return reply

    # --- introspection endpoint -----------------------------------------------------------------------------------
    def introspect(self, token, record):
        record["token"] = prefix(token)
        if not token:
            record.update(active=False, reason="missing")
            return {"active": False}
        with self.lock:
            self.validations_total += 1
            record["validations_total"] = self.validations_total
            entry = self.access_tokens.get(token)
            if entry is None:
                record.update(active=False, reason="unknown")
                return {"active": False}
            entry["validations"] += 1
            record["validations"] = entry["validations"]
            if time.time() >= entry["exp"]:
                record.update(active=False, reason="expired")
                return {"active": False}
            entry = dict(entry)
        record.update(active=True, reason="valid", user=entry["user"])
        return {"active": True, "username": entry["user"], "email": entry["user"], "sub": entry["user"],
                "scope": entry["scope"], "client_id": entry["client_id"], "token_type": "Bearer",
                "iat": entry["iat"], "exp": int(entry["exp"])}


class Handler(BaseHTTPRequestHandler):
    server_version = "mailtls-oauth-fixture/1"
    # HTTP/1.0: one request per connection, so a restarted fixture never meets a stale keep-alive connection.
    protocol_version = "HTTP/1.0"
    timeout = 10

    def log_message(self, format, *args):   # the JSON log replaces the default stderr lines
        pass

    @property
    def authority(self):
        return self.server.authority

    def send_json(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Pragma", "no-cache")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_form(self):
        """The body as a form: {name: value}; a repeated parameter is invalid_request (RFC 6749 section 3.2)."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise OAuthError(400, "invalid_request", "request body too large")
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and ctype != "application/x-www-form-urlencoded":
            raise OAuthError(400, "invalid_request", "expected application/x-www-form-urlencoded")
        return self.single_values(urllib.parse.parse_qs(body, keep_blank_values=True))

    @staticmethod
    def single_values(parsed):
        form = {}
        for k, v in parsed.items():
            if len(v) != 1:
                raise OAuthError(400, "invalid_request", "parameter %s is repeated" % k)
            form[k] = v[0]
        return form

    def basic_credentials(self):
        auth = self.headers.get("Authorization")
        if not auth or not auth.lower().startswith("basic "):
            return None
        try:
            raw = base64.b64decode(auth[6:].strip(), validate=True).decode()
            cid, secret = raw.split(":", 1)
        except (ValueError, UnicodeDecodeError):
            raise OAuthError(401, "invalid_client", "malformed HTTP Basic credentials",
                             {"WWW-Authenticate": 'Basic realm="mailtls-oauth"'})
        return urllib.parse.unquote_plus(cid), urllib.parse.unquote_plus(secret)

    def not_found(self, record):
        record.update(status=404, result="not_found", path=self.path)
        self.send_json(404, {"error": "not_found"})


class TokenHandler(Handler):
    def do_POST(self):
        record = {"endpoint": "token"}
        try:
            if urllib.parse.urlsplit(self.path).path != "/token":
                return self.not_found(record)
            basic = self.basic_credentials()
            form = self.read_form()
            if basic is None:
                record["client_id"] = form.get("client_id")
            else:
                record["client_id"] = basic[0]
            reply = self.authority.token(form, basic, record)
            record["status"] = 200
            self.send_json(200, reply)
        except OAuthError as e:
            record.update(status=e.status, result=e.error, error_description=e.description)
            self.send_json(e.status, {"error": e.error, "error_description": e.description}, e.headers)
        finally:
            self.authority.log(record)

    def do_GET(self):
        record = {"endpoint": "token"}
        try:
            if urllib.parse.urlsplit(self.path).path != "/token":
                return self.not_found(record)
            record.update(status=405, result="method_not_allowed")
            self.send_json(405, {"error": "invalid_request", "error_description": "use POST"}, {"Allow": "POST"})
        finally:
            self.authority.log(record)


class IntrospectionHandler(Handler):
    def introspect(self, token_from):
        record = {"endpoint": "introspect", "method": self.command}
        for header, field in (("X-Dovecot-Auth-Service", "dovecot_service"),
                              ("X-Dovecot-Auth-Remote", "dovecot_remote")):
            if self.headers.get(header):
                record[field] = self.headers.get(header)
        try:
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/introspect":
                return self.not_found(record)
            token = token_from(url)
            reply = self.authority.introspect(token, record)
            record["status"] = 200
            self.send_json(200, reply)
        except OAuthError as e:
            record.update(status=e.status, result=e.error, error_description=e.description)
            self.send_json(e.status, {"error": e.error, "error_description": e.description})
        finally:
            self.authority.log(record)

    def do_POST(self):
        self.introspect(lambda url: self.read_form().get("token"))

    def do_GET(self):
        def token_from(url):
            auth = self.headers.get("Authorization") or ""
            if auth.lower().startswith("bearer "):
                return auth[7:].strip()
            return self.single_values(urllib.parse.parse_qs(url.query)).get("token")
        self.introspect(token_from)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler, authority, tls_context=None):
        super().__init__(address, handler)
        self.authority = authority
        self.tls_context = tls_context

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the request's own thread, so a client that never completes it cannot block
        # accept() for everyone else.
        if self.tls_context is not None:
            request.settimeout(10)
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.authority.log({"endpoint": "token", "status": None, "result": "tls_handshake_failed",
                                    "detail": str(e)})
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)


def parse_args(argv):
    lab_dir = os.environ.get("LAB_DIR", "/tmp/mailtls-lab").rstrip("/")
    p = argparse.ArgumentParser(description="OAuth 2.0 token and introspection endpoints for the mailtls lab "
                                            "(see the top of this file).")
    p.add_argument("--listen", default="127.0.0.20")
    p.add_argument("--token-port", type=int, default=8443)
    p.add_argument("--introspection-port", type=int, default=8089)
    p.add_argument("--cert", default=lab_dir + "/pki/mailbox.chain.pem")
    p.add_argument("--key", default=lab_dir + "/pki/mailbox.key")
    p.add_argument("--client-id", default="mailtls-test-client")
    p.add_argument("--client-secret-file")
    p.add_argument("--refresh-token")
    p.add_argument("--rotate-refresh-tokens", action="store_true")
    p.add_argument("--expires-in", type=int, default=3600)
    p.add_argument("--token-length", type=int, default=43)
    p.add_argument("--user", default="alice@mailtls.test")
    p.add_argument("--invalid-client-status", type=int, choices=(400, 401), default=401)
    p.add_argument("--log")
    args = p.parse_args(argv)
    if args.expires_in < 0:
        p.error("--expires-in must not be negative")
    if args.token_length < 16:
        p.error("--token-length must be at least 16")
    return args


def main(argv):
    args = parse_args(argv)
    client_secret = None
    if args.client_secret_file:
        with open(args.client_secret_file, encoding="utf-8") as f:
            client_secret = f.readline().rstrip("\r\n")
        if not client_secret:
            sys.exit("oauth_server.py: %s is empty" % args.client_secret_file)
    authority = Authority(args, client_secret)

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.load_cert_chain(args.cert, args.key)

    try:
        servers = [Server((args.listen, args.token_port), TokenHandler, authority, tls),
                   Server((args.listen, args.introspection_port), IntrospectionHandler, authority)]
    except OSError as e:
        sys.exit("oauth_server.py: cannot listen on %s (ports %d, %d): %s"
                 % (args.listen, args.token_port, args.introspection_port, e))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
               for s in servers]
    for t in threads:
        t.start()
    print("ready", flush=True)
    while not stop.wait(1):
        pass
    for s in servers:
        s.shutdown()
        s.server_close()
    if authority.log_file is not None:
        authority.log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
