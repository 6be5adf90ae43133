#!/usr/bin/env bash
# A small internet on loopback for the domain-level tests: a DNS server
# (unbound, authoritative for mailtls.test., bogus.test. and plain.test.) on
# 127.0.0.61:53 and a web server (nginx, SNI-selected virtual hosts) on
# 127.0.0.62:443 and :80. The mail servers are lab.sh's (127.0.0.1 .. .18),
# which must be up first: certificates and TLSA digests come from its PKI.
#
#   Tests/Lab/internet.sh up      start (idempotent, flock-serialised; returns at
#                                 once when healthy; prints nothing on success)
#   Tests/Lab/internet.sh down    stop unbound and nginx (by their pid files)
#   Tests/Lab/internet.sh status  exit 0 when unbound answers mailtls.test SOA
#                                 and nginx answers HTTPS
#   Tests/Lab/internet-selfcheck.sh   proves everything listed below
#
# Environment: LAB_DIR (default /tmp/mailtls-lab), INTERNET_DIR (default
# /tmp/mailtls-internet). Root only. Everything binds to 127.0.0.61/.62 and
# the DNS server never sends a query anywhere (names outside its zones get
# SERVFAIL). Needs unbound, ldnsutils, nginx, openssl, curl (scripts/install-deps).
#
# $INTERNET_DIR/internet.env (KEY=VALUE, no quotes):
#   INTERNET_RESOLVER=127.0.0.61@53   INTERNET_ANCHORS=<DS trust anchors file>
#   INTERNET_CA=<lab root CA>         INTERNET_WEB=127.0.0.62
#   INTERNET_DIR=<state dir>
#   INTERNET_TLSA_GOOD_SPKI / INTERNET_TLSA_INTERMEDIATE_SPKI / INTERNET_TLSA_GOOD_CERT
#     = hex SHA-256 of good.pem's SPKI / intermediate-ca.pem's SPKI / good.pem (DER)
# A validating client (libunbound) needs the resolver as forwarder, the
# anchors file, and `local-zone: "test." nodefault` (unbound serves test.
# as an empty local zone by default).
#
# Zones (templates in Tests/Lab/internet/zones/, filled in and signed at `up`):
#   mailtls.test.  signed, DS in the anchors file: every answer is secure
#   bogus.test.    signed, then its apex MX altered: "bogus.test MX" is bogus
#                  (MX 10 mx.bogus.test. was signed, 20 is served); mx A 127.0.0.1;
#                  _25._tcp.mx TLSA 3 1 1 <good spki> is intact (secure)
#   plain.test.    unsigned, no anchor: insecure. MX 10 mx.plain.test. (A 127.0.0.1,
#                  whose certificate is for mail.mailtls.test, so the enforce policy's
#                  PKIX name check fails), _25._tcp.mx TLSA 3 1 1 <good spki> (insecure:
#                  must not be used), valid _mta-sts and _smtp._tls TXT,
#                  https://mta-sts.plain.test/ enforce policy mx: mx.plain.test
#
# Hosts in mailtls.test: mail 127.0.0.1 (GOOD), expired-mx .2, wrongname-mx .3,
# selfsigned-mx .4, incomplete-mx .11 (INCOMPLETE_CHAIN),
# nostarttls-mx .18 (lab NO_STARTTLS), refused-mx .9 (REFUSED), busy-mx .12
# (GREETING_421), dane-bad / dane-pkix / dane-cert .1,
# ns 127.0.0.61, every mta-sts.* / autoconfig.* name and wellknown 127.0.0.62.
# The lab's servers ignore SNI: every one presents a certificate for
# mail.mailtls.test (expired / self-signed / weak variants), so under PKIX any MX
# host name other than mail.mailtls.test (expired-mx, selfsigned-mx, dane-*,
# mail.guess, mx.plain.test, mx.bogus.test) also has a name mismatch.
# TLSA at _25._tcp.<host>:
#   mail       3 1 1 <good spki> + 2 1 1 <intermediate spki>   both match: DANE valid
#   dane-bad   3 1 1 DEADBEEF...                               matches nothing: DANE fails
#   dane-pkix  1 1 1 <good spki> + 0 0 1 <root cert>           PKIX usages only: no usable TLSA
#   dane-cert  3 0 1 <good cert>                               full-certificate match: DANE valid
#
# Domains (subdomains of mailtls.test, no delegation) and what a checker should say.
# "TXT" = _mta-sts TXT "v=STSv1; id=20261129T000000;"; "MX mail" = MX 10 mail.mailtls.test.;
# policies are served as text/plain with CRLF line ends; max_age 604800 unless noted.
#   mailtls.test          MX mail, nothing else (apex)
#   good                  MX mail, TXT, TLS-RPT mailto:tlsrpt@mailtls.test, policy enforce
#                         mx: mail.mailtls.test; MX has DANE too -> everything passes
#   testing               as good but policy mode: testing, mx: *.mailtls.test -> passes, testing mode
#   sts-mismatch          MX mail, TXT, enforce policy with only mx: mx.other.test -> MX not covered
#   sts-type              MX mail, TXT, valid policy served as text/html -> policy rejected
#   sts-cert              MX mail, TXT, policy host presents the lab's wrong-name cert
#                         (SAN wrong.example.test) -> policy fetch fails certificate check
#   sts-404               MX mail, TXT, policy URL returns 404 -> no policy
#   sts-redirect          MX mail, TXT, policy URL answers 301 to mta-sts.good's policy
#                         -> must not follow (RFC 8461 3.3): no policy
#   sts-badpolicy         MX mail, TXT, policy "version/mode: enforce/max_age: 999999999"
#                         (no mx, max_age above 31557600) -> invalid policy
#   sts-notxt             MX mail, no TXT, valid policy served -> no MTA-STS (never fetched)
#   sts-big               MX mail, TXT, valid policy padded with "#" lines to ~116 KiB (118471 bytes)
#                         -> larger than a sane limit (64 KiB): rejected
#   wrongname             MX 10 wrongname-mx (127.0.0.3: a certificate for another name)
#   incomplete            MX 10 incomplete-mx (127.0.0.11: no intermediate sent)
#   nostarttls            MX 10 nostarttls-mx (127.0.0.18: no STARTTLS) -> no TLS at all
#   refused               MX 10 refused-mx (127.0.0.9: nothing listens) -> unreachable
#   busy                  MX 10 busy-mx (127.0.0.12: greets 421) -> unreachable
#   expired               MX 10 expired-mx (127.0.0.2) -> expired certificate
#   selfsigned            MX 10 selfsigned-mx (127.0.0.4) -> self-signed certificate
#   dane-bad              MX 10 dane-bad (GOOD's server) -> DANE mismatch
#   dane-pkix             MX 10 dane-pkix -> TLSA present but unusable (PKIX-only)
#   dane-cert             MX 10 dane-cert -> DANE-EE 3 0 1 matches
#   dane-switch           MX 10 dane-switch-mx (127.0.0.31: nothing there until a test starts a forwarder),
#                         TLSA 3 1 1 <good spki> -> matches while the forwarder leads to GOOD, not to SELF_SIGNED
#   multi                 MX 10 mail + MX 20 nostarttls-mx -> one good, one without TLS
#   bare                  MX mail only (no STS, no TLS-RPT) -> TLS fine, nothing published
#   badrpt                MX mail, _smtp._tls TXT "v=TLSRPTv1; rua=ftp://reports.mailtls.test/"
#                         -> TLS-RPT record with an unusable rua scheme
#   escapes               MX name and _mta-sts / _smtp._tls TXT carrying terminal escape sequences
#                         (ESC [2J, ESC [31m, ESC ] 0;...BEL) -> shown as text, never raw
#   sts-drip              MX mail, TXT, a valid policy padded to ~1 KiB served at 2 bytes/s
#                         (nginx limit_rate) -> the fetch ends at its deadline
#   nullmx                MX 0 . -> null MX (RFC 7505): accepts no mail
#   nomx                  no MX, A 127.0.0.1 -> implicit MX (RFC 5321 5.1)
#   autoconf              MX mail; https://autoconfig.autoconf.mailtls.test/mail/config-v1.1.xml:
#                         IMAP 993 SSL, POP3 995 SSL, SMTP 465 SSL (mail.mailtls.test);
#                         also _submission._tcp SRV 587 -> autoconfig wins (465)
#   wellknown             MX mail, A 127.0.0.62, no autoconfig.* host; config at
#                         https://wellknown.mailtls.test/.well-known/autoconfig/mail/config-v1.1.xml:
#                         IMAP 143 STARTTLS, POP3 995 SSL, SMTP 587 STARTTLS
#   srv                   MX mail; SRV _submissions 465, _submission 587, _imaps 993,
#                         _pop3s 995 (priority 10) -> mail.mailtls.test; _imap and _pop3 "." (not offered)
#   guess                 MX mail (MX domain mailtls.test) and mail.guess A 127.0.0.1 only
#                         -> guessing finds mail.guess.mailtls.test, certificate name mismatch
#   badconfig             MX mail; autoconfig.badconfig serves IMAP imap.badconfig.mailtls.test
#                         (A 127.0.0.9, refused) 993 SSL and SMTP mail.mailtls.test 465 SSL
#                         -> the published IMAP setting does not work, SMTP does
#
# Web (127.0.0.62): each host above has its own certificate (SAN = its name,
# EC P-256, issued at `up` by the lab's intermediate, 365 days, served with the
# intermediate) except mta-sts.sts-cert (the lab's wrong-name chain). Port 80
# serves the same content without TLS. Unknown names: 404 on port 80, TLS
# handshake rejected (unrecognized_name) on 443. Access log:
# $INTERNET_DIR/web/access.log.
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

LAB_DIR=${LAB_DIR:-/tmp/mailtls-lab}
LAB_DIR=${LAB_DIR%/}
INTERNET_DIR=${INTERNET_DIR:-/tmp/mailtls-internet}
INTERNET_DIR=${INTERNET_DIR%/}
if [[ $INTERNET_DIR != /?* ]]; then
    echo "internet.sh: INTERNET_DIR must be an absolute path other than '/' (got '$INTERNET_DIR')" >&2
    exit 2
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
. "$HERE/daemons.sh"
ZONES="$HERE/internet/zones"
PKI="$LAB_DIR/pki"
D=$INTERNET_DIR
U="$D/dns"                      # unbound: config, zones, keys, pid, log
W="$D/web"                      # nginx: config, certs, www, pid, logs
ENV_FILE="$D/internet.env"
STAMP="$D/inputs.sha256"
LOCK_FILE="$D.lock"             # outside $D, which `up` recreates

DNS_ADDR=127.0.0.61
WEB_ADDR=127.0.0.62

log() { printf 'internet.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------
# processes: only signal pids from our pid files whose command line still
# names our config file.
# ---------------------------------------------------------------------------
read_pid() { if [[ -r $1 ]]; then tr -dc '0-9' <"$1"; fi; }
pid_matches() {   # PID PATTERN
    local pid=$1 pat=$2
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$pat"
}
# alive PID: exists and is not a zombie (a zombie has an empty cmdline).
alive() {
    local c=""
    { IFS= read -r -d '' c <"/proc/$1/cmdline"; } 2>/dev/null || true
    [[ -n $c ]]
}
children() {      # direct children of PID
    local d stat rest ppid
    for d in /proc/[0-9]*; do
        { read -r stat <"$d/stat"; } 2>/dev/null || continue
        rest=${stat##*) }
        read -r _ ppid _ <<<"$rest"
        [[ $ppid == "$1" ]] && echo "${d#/proc/}"
    done
    return 0
}
stop_pid() {      # PID PATTERN NAME: TERM, wait up to 5 s, KILL; children too
    local pid=$1 pat=$2 name=$3 kids k
    pid_matches "$pid" "$pat" || return 0
    kids=$(children "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do pid_matches "$pid" "$pat" || break; sleep 0.1; done
    if pid_matches "$pid" "$pat"; then
        log "$name (pid $pid) ignored SIGTERM for 5 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    for k in $kids; do
        for _ in $(seq 20); do alive "$k" || break; sleep 0.1; done
        if alive "$k"; then kill -KILL "$k" 2>/dev/null || true; fi
    done
    return 0
}
unbound_pid() { read_pid "$U/unbound.pid"; }
nginx_pid() { read_pid "$W/nginx.pid"; }
unbound_alive() { pid_matches "$(unbound_pid)" "$U/unbound.conf"; }
nginx_alive() { pid_matches "$(nginx_pid)" "$W/nginx.conf"; }

# ---------------------------------------------------------------------------
# health
# ---------------------------------------------------------------------------
dns_answers() {
    local out
    out=$(drill -D @"$DNS_ADDR" mailtls.test SOA 2>/dev/null) || return 1
    grep -q 'rcode: NOERROR' <<<"$out" && grep -qE '^mailtls\.test\.[[:space:]].*IN[[:space:]]+SOA' <<<"$out"
}
web_answers() {
    local code
    code=$(curl -sS --noproxy '*' --max-time 3 -o /dev/null -w '%{http_code}' \
        --cacert "$PKI/root-ca.pem" --resolve "mta-sts.good.mailtls.test:443:$WEB_ADDR" \
        https://mta-sts.good.mailtls.test/.well-known/mta-sts.txt 2>/dev/null) || return 1
    [[ $code == 200 ]]
}
# Everything `up` builds from: this script, the zone templates, the lab PKI.
# A changed input (e.g. lab.sh purge + up made a new PKI) makes `up` rebuild.
input_stamp() {
    { echo "$LAB_DIR $D"
      cat "${BASH_SOURCE[0]}" "$ZONES"/*.zone \
          "$PKI"/{root-ca.pem,intermediate-ca.pem,good.pem,wrong-name.chain.pem,wrong-name.key}
    } 2>/dev/null | sha256sum | cut -c1-64
}
healthy() {
    [[ -f $ENV_FILE && -f $STAMP ]] || return 1
    [[ $(cat "$STAMP") == "$(input_stamp)" ]] || return 1
    unbound_alive && nginx_alive && dns_answers && web_answers
}

# ---------------------------------------------------------------------------
# DNS
# ---------------------------------------------------------------------------
spki_sha256() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -c1-64; }
cert_sha256() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }

sign() {  # sign ZONE FILE -> FILE.signed; KSK's DS appended to the anchors
    local zone=$1 file=$2 ksk zsk
    ksk=$(cd "$U/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$zone")
    zsk=$(cd "$U/keys" && ldns-keygen -a ECDSAP256SHA256 "$zone")
    # Inception a day back: a client clock a little behind still validates.
    (cd "$U/keys" && ldns-signzone -n -i "$(date -u -d '1 day ago' +%Y%m%d%H%M%S)" -e 20361231000000 \
        -f "$file.signed" "$file" "$ksk" "$zsk")
    cat "$U/keys/$ksk.ds" >>"$D/anchors.ds"
}

build_dns() {
    mkdir -p "$U/keys"
    : >"$D/anchors.ds"
    local z serial; serial=$(date +%s)
    for z in mailtls.test bogus.test plain.test; do
        sed -e "s/@SERIAL@/$serial/" \
            -e "s/@GOOD_SPKI_SHA256@/$GOOD_SPKI/g" \
            -e "s/@INTERMEDIATE_SPKI_SHA256@/$INTERMEDIATE_SPKI/g" \
            -e "s/@GOOD_CERT_SHA256@/$GOOD_CERT/g" \
            -e "s/@ROOT_CERT_SHA256@/$ROOT_CERT/g" \
            "$ZONES/$z.zone" >"$U/$z.zone"
        if grep -q '@[A-Z0-9_]*@' "$U/$z.zone"; then die "unfilled placeholder in $U/$z.zone"; fi
    done
    sign mailtls.test. "$U/mailtls.test.zone"
    sign bogus.test. "$U/bogus.test.zone"
    # Alter the signed apex MX: its RRSIG no longer matches, so it is bogus.
    sed -i 's/^\(bogus\.test\.[[:space:]].*IN[[:space:]]*MX[[:space:]]*\)10 /\120 /' "$U/bogus.test.zone.signed"
    grep -qE '^bogus\.test\.[[:space:]].*IN[[:space:]]*MX[[:space:]]*20 mx\.bogus\.test\.' "$U/bogus.test.zone.signed" ||
        die "could not tamper with bogus.test MX"
    cp "$U/plain.test.zone" "$U/plain.test.zone.signed"
    chmod 0644 "$D/anchors.ds"

    local zones="" zone
    for zone in mailtls.test bogus.test plain.test; do
        zones+="auth-zone:
    name: \"$zone.\"
    zonefile: \"$U/$zone.zone.signed\"
    for-downstream: yes
    for-upstream: yes
"
    done
    cat >"$U/unbound.conf" <<CONF
# Generated by Tests/Lab/internet.sh -- rewritten on every 'up'.
server:
    interface: $DNS_ADDR
    port: 53
    do-ip6: no
    do-daemonize: yes
    pidfile: "$U/unbound.pid"
    username: ""
    chroot: ""
    directory: "$U"
    logfile: "$U/unbound.log"
    use-syslog: no
    verbosity: 1
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    # Authoritative only: no validation here (clients validate with the anchors).
    module-config: "iterator"
    # unbound serves test. as an empty local zone by default.
    local-zone: "test." nodefault
    # Never send a query anywhere: names outside the zones below get SERVFAIL.
    outgoing-interface: $DNS_ADDR
    do-not-query-address: 0.0.0.0/0
    do-not-query-address: ::/0
$zones
CONF
}

start_unbound() {
    # unbound daemonizes itself (stdio to /dev/null); its early errors go to
    # unbound-start.log.
    if ! detached "$U/unbound-start.log" unbound -c "$U/unbound.conf"; then
        cat "$U/unbound-start.log" >&2
        unbound-checkconf "$U/unbound.conf" >&2 || true
        [[ -s $U/unbound.log ]] && tail -n 20 "$U/unbound.log" >&2
        do_down; die "unbound failed to start"
    fi
}

# ---------------------------------------------------------------------------
# web
# ---------------------------------------------------------------------------
policy() {   # policy MODE MAX_AGE [MX...]  (CRLF line ends, as in RFC 8461)
    local mode=$1 age=$2 mx; shift 2
    printf 'version: STSv1\r\nmode: %s\r\n' "$mode"
    for mx in "$@"; do printf 'mx: %s\r\n' "$mx"; done
    printf 'max_age: %s\r\n' "$age"
}
server_xml() {   # server_xml incomingServer|outgoingServer TYPE HOST PORT SOCKET
    cat <<EOF
    <$1 type="$2">
      <hostname>$3</hostname>
      <port>$4</port>
      <socketType>$5</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </$1>
EOF
}
client_config() {   # client_config DOMAIN SERVER_XML...
    local domain=$1; shift
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">\n'
    printf '  <emailProvider id="%s">\n    <domain>%s</domain>\n' "$domain" "$domain"
    printf '    <displayName>mailtls lab (%s)</displayName>\n' "$domain"
    printf '    <displayShortName>mailtls lab</displayShortName>\n'
    printf '%s\n' "$@"
    printf '  </emailProvider>\n</clientConfig>\n'
}

issue_cert() {   # issue_cert HOST -> $W/certs/HOST.{key,pem,chain.pem}
    local h=$1 c="$W/certs"
    (umask 077; openssl req -x509 -config "$c/leaf.cnf" -subj "/O=mailtls test lab/CN=$h" \
        -addext "subjectAltName=DNS:$h" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$c/$h.key" -out "$c/$h.pem" -days 365 -sha256 \
        -CA "$PKI/intermediate-ca.pem" -CAkey "$PKI/intermediate-ca.key" 2>"$c/openssl.err") ||
        { cat "$c/openssl.err" >&2; die "could not issue a certificate for $h"; }
    cat "$c/$h.pem" "$PKI/intermediate-ca.pem" >"$c/$h.chain.pem"
}

# vhost HOST CHAIN KEY LOCATIONS: one server block on :80 and :443
vhost() {
    cat <<EOF
    server {
        listen $WEB_ADDR:80;
        listen $WEB_ADDR:443 ssl;
        server_name $1;
        ssl_certificate $2;
        ssl_certificate_key $3;
        root $W/www/$1;
        location / { return 404; }
$4
    }
EOF
}

build_web() {
    mkdir -p "$W/certs" "$W/www" "$W/tmp"
    chmod 0700 "$W/certs"
    cat >"$W/certs/leaf.cnf" <<'EOF'
[req]
distinguished_name = dn
x509_extensions = leaf
prompt = no
[dn]
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    local sts=/.well-known/mta-sts.txt
    local good_mx=mail.mailtls.test age=604800
    local -A body=()      # "HOST PATH" -> file content
    body["mta-sts.good.mailtls.test $sts"]=$(policy enforce $age $good_mx)
    body["mta-sts.testing.mailtls.test $sts"]=$(policy testing $age '*.mailtls.test')
    body["mta-sts.sts-mismatch.mailtls.test $sts"]=$(policy enforce $age mx.other.test)
    body["mta-sts.sts-type.mailtls.test $sts"]=$(policy enforce $age $good_mx)
    body["mta-sts.sts-cert.mailtls.test $sts"]=$(policy enforce $age $good_mx)
    body["mta-sts.sts-badpolicy.mailtls.test $sts"]=$(policy enforce 999999999)
    body["mta-sts.sts-notxt.mailtls.test $sts"]=$(policy enforce $age $good_mx)
    body["mta-sts.plain.test $sts"]=$(policy enforce $age mx.plain.test)

    local imaps pop3s smtps
    imaps=$(server_xml incomingServer imap mail.mailtls.test 993 SSL)
    pop3s=$(server_xml incomingServer pop3 mail.mailtls.test 995 SSL)
    smtps=$(server_xml outgoingServer smtp mail.mailtls.test 465 SSL)
    body["autoconfig.autoconf.mailtls.test /mail/config-v1.1.xml"]=$(client_config autoconf.mailtls.test "$imaps" "$pop3s" "$smtps")
    body["wellknown.mailtls.test /.well-known/autoconfig/mail/config-v1.1.xml"]=$(client_config wellknown.mailtls.test \
        "$(server_xml incomingServer imap mail.mailtls.test 143 STARTTLS)" "$pop3s" \
        "$(server_xml outgoingServer smtp mail.mailtls.test 587 STARTTLS)")
    body["autoconfig.badconfig.mailtls.test /mail/config-v1.1.xml"]=$(client_config badconfig.mailtls.test \
        "$(server_xml incomingServer imap imap.badconfig.mailtls.test 993 SSL)" "$smtps")

    local key host path
    for key in "${!body[@]}"; do
        host=${key% *}; path=${key#* }
        mkdir -p "$W/www/$host$(dirname "$path")"
        # $(...) dropped the final "\n" (of a policy's last CRLF too): add it back.
        printf '%s\n' "${body[$key]}" >"$W/www/$host$path"
    done
    # sts-big: a valid policy, then 1600 "#" padding lines of 74 bytes (~116 KiB).
    mkdir -p "$W/www/mta-sts.sts-big.mailtls.test/.well-known"
    {
        policy enforce $age $good_mx
        local i
        for ((i = 1; i <= 1600; i++)); do
            printf '# padding %04d: makes this policy larger than 100 KiB (RFC 8461 3.3)....\r\n' "$i"
        done
    } >"$W/www/mta-sts.sts-big.mailtls.test$sts"
    # sts-drip: a valid policy and padding, about 1 KiB, sent at 2 bytes a second (over 8 minutes).
    mkdir -p "$W/www/mta-sts.sts-drip.mailtls.test/.well-known"
    {
        policy enforce $age $good_mx
        for ((i = 1; i <= 12; i++)); do
            printf '# padding %02d: this policy arrives at two bytes a second.................\r\n' "$i"
        done
    } >"$W/www/mta-sts.sts-drip.mailtls.test$sts"
    chmod -R a+rX "$W/www"

    # Certificates, one per web host name.
    local hosts=(
        mta-sts.{good,testing,sts-mismatch,sts-type,sts-404,sts-redirect,sts-badpolicy,sts-notxt,sts-big}.mailtls.test
        mta-sts.sts-drip.mailtls.test autoconfig.autoconf.mailtls.test wellknown.mailtls.test autoconfig.badconfig.mailtls.test
        mta-sts.plain.test
    )
    for host in "${hosts[@]}"; do issue_cert "$host"; done

    local txt="        location = $sts { default_type text/plain; }"
    local xml1="        location = /mail/config-v1.1.xml { default_type text/xml; }"
    local xml2="        location = /.well-known/autoconfig/mail/config-v1.1.xml { default_type text/xml; }"
    {
        cat <<EOF
# Generated by Tests/Lab/internet.sh -- rewritten on every 'up'.
# Run as: nginx -c $W/nginx.conf -p $W/ -e $W/error.log
user nobody nogroup;
worker_processes 1;
pid $W/nginx.pid;
lock_file $W/nginx.lock;
error_log $W/error.log warn;
events { worker_connections 256; }
http {
    access_log $W/access.log;
    client_body_temp_path $W/tmp/body;
    proxy_temp_path $W/tmp/proxy;
    fastcgi_temp_path $W/tmp/fastcgi;
    uwsgi_temp_path $W/tmp/uwsgi;
    scgi_temp_path $W/tmp/scgi;
    types { }
    default_type application/octet-stream;
    server_tokens off;
    keepalive_timeout 5;
    ssl_protocols TLSv1.2 TLSv1.3;

    # Unknown names: 404 over HTTP, handshake refused over HTTPS.
    server {
        listen $WEB_ADDR:80 default_server;
        listen $WEB_ADDR:443 ssl default_server;
        ssl_reject_handshake on;
        return 404;
    }
EOF
        for host in mta-sts.{good,testing,sts-mismatch,sts-badpolicy,sts-notxt,sts-big}.mailtls.test mta-sts.plain.test; do
            vhost "$host" "$W/certs/$host.chain.pem" "$W/certs/$host.key" "$txt"
        done
        host=mta-sts.sts-drip.mailtls.test
        vhost $host "$W/certs/$host.chain.pem" "$W/certs/$host.key" \
            "        location = $sts { default_type text/plain; limit_rate 2; }"
        host=mta-sts.sts-type.mailtls.test
        vhost $host "$W/certs/$host.chain.pem" "$W/certs/$host.key" \
            "        location = $sts { default_type text/html; }"
        host=mta-sts.sts-cert.mailtls.test
        vhost $host "$PKI/wrong-name.chain.pem" "$PKI/wrong-name.key" "$txt"
        host=mta-sts.sts-404.mailtls.test
        vhost $host "$W/certs/$host.chain.pem" "$W/certs/$host.key" ""
        host=mta-sts.sts-redirect.mailtls.test
        vhost $host "$W/certs/$host.chain.pem" "$W/certs/$host.key" \
            "        location = $sts { return 301 https://mta-sts.good.mailtls.test$sts; }"
        for host in autoconfig.autoconf.mailtls.test autoconfig.badconfig.mailtls.test; do
            vhost "$host" "$W/certs/$host.chain.pem" "$W/certs/$host.key" "$xml1"
        done
        host=wellknown.mailtls.test
        vhost $host "$W/certs/$host.chain.pem" "$W/certs/$host.key" "$xml2"
        echo "}"
    } >"$W/nginx.conf"
}

start_nginx() {
    # nginx daemonizes itself; its stderr then goes to error.log.
    if ! detached "$W/nginx-start.log" nginx -c "$W/nginx.conf" -p "$W/" -e "$W/error.log"; then
        cat "$W/nginx-start.log" >&2
        [[ -s $W/error.log ]] && tail -n 20 "$W/error.log" >&2
        do_down; die "nginx failed to start"
    fi
}

# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------
require_lab() {
    [[ -f $LAB_DIR/lab.env ]] ||
        die "the lab is not up: $LAB_DIR/lab.env is missing (run Tests/Lab/lab.sh up first)"
    local f
    for f in root-ca.pem intermediate-ca.pem intermediate-ca.key good.pem wrong-name.chain.pem wrong-name.key; do
        [[ -r $PKI/$f ]] || die "lab PKI incomplete: $PKI/$f is missing"
    done
}

do_down() {
    rm -f "$ENV_FILE"
    stop_pid "$(nginx_pid)" "$W/nginx.conf" nginx
    stop_pid "$(unbound_pid)" "$U/unbound.conf" unbound
    rm -f "$W/nginx.pid" "$U/unbound.pid"
}

do_up() {
    require_lab
    if healthy; then return 0; fi
    [[ $(id -u) == 0 ]] || die "must run as root"
    do_down
    rm -rf "$D"
    mkdir -p "$D" "$U" "$W"
    chmod 0755 "$D" "$U" "$W"    # nginx workers (nobody) read $W/www

    GOOD_SPKI=$(spki_sha256 "$PKI/good.pem")
    INTERMEDIATE_SPKI=$(spki_sha256 "$PKI/intermediate-ca.pem")
    GOOD_CERT=$(cert_sha256 "$PKI/good.pem")
    ROOT_CERT=$(cert_sha256 "$PKI/root-ca.pem")

    build_dns
    build_web
    start_unbound
    start_nginx

    local ok=0
    for _ in $(seq 100); do
        if unbound_alive && nginx_alive && dns_answers && web_answers; then ok=1; break; fi
        sleep 0.05
    done
    if ((!ok)); then
        local f
        for f in "$U/unbound.log" "$W/error.log"; do
            [[ -s $f ]] && { log "---- last lines of $f"; tail -n 15 "$f" >&2; }
        done
        do_down
        die "unbound or nginx did not answer within 5 s"
    fi
    cat >"$ENV_FILE.tmp" <<EOF
INTERNET_RESOLVER=$DNS_ADDR@53
INTERNET_ANCHORS=$D/anchors.ds
INTERNET_CA=$PKI/root-ca.pem
INTERNET_WEB=$WEB_ADDR
INTERNET_DIR=$D
INTERNET_TLSA_GOOD_SPKI=$GOOD_SPKI
INTERNET_TLSA_INTERMEDIATE_SPKI=$INTERMEDIATE_SPKI
INTERNET_TLSA_GOOD_CERT=$GOOD_CERT
EOF
    chmod 0644 "$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"
    input_stamp >"$STAMP"
}

do_status() {
    local rc=0 pid
    pid=$(unbound_pid)
    printf '%-8s %s\n' unbound "$(unbound_alive && echo "running pid $pid" || echo stopped)"
    pid=$(nginx_pid)
    printf '%-8s %s\n' nginx "$(nginx_alive && echo "running pid $pid" || echo stopped)"
    if dns_answers; then echo "dns      $DNS_ADDR:53 answers mailtls.test SOA"
    else echo "dns      $DNS_ADDR:53 does not answer mailtls.test SOA"; rc=1; fi
    if web_answers; then echo "web      https://mta-sts.good.mailtls.test ($WEB_ADDR:443) answers 200"
    else echo "web      https://mta-sts.good.mailtls.test ($WEB_ADDR:443) does not answer 200"; rc=1; fi
    [[ -f $LAB_DIR/lab.env ]] || echo "note: the lab is not up ($LAB_DIR/lab.env missing)"
    [[ -f $ENV_FILE ]] || echo "note: no $ENV_FILE"
    if [[ -f $STAMP && $(cat "$STAMP") != "$(input_stamp)" ]]; then
        echo "note: inputs (script, zone templates or lab PKI) changed since 'up'; the next 'up' rebuilds"
    fi
    if ((rc == 0)); then echo "status: healthy"; else echo "status: NOT healthy"; fi
    return $rc
}

main() {
    local cmd=${1:-}
    case $cmd in
        up|down|status) ;;
        *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
    esac
    mkdir -p "$(dirname "$D")"
    # Serialize: parallel test processes may all call 'up'.
    exec 9>>"$LOCK_FILE"
    flock -w 120 9 || die "could not lock $LOCK_FILE within 120 s"
    case $cmd in
        up) do_up ;;
        down) do_down ;;
        status) do_status ;;
    esac
}

main "$@"
