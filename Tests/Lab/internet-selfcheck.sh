#!/usr/bin/env bash
# Proves that the running "small internet" (Tests/Lab/internet.sh) and the lab
# behave as documented at the top of internet.sh: every DNS record, the DNSSEC
# state of each zone (validated with libunbound's unbound-host and with drill
# against the anchors file), every web special case, and that the TLSA digests
# really match the lab's GOOD server (openssl s_client -dane_tlsa_rrdata).
#
#   Tests/Lab/internet-selfcheck.sh      prints "ok"/"FAIL" per check; exit 0 when all pass
#
# Needs: internet.sh up (and lab.sh up), drill, unbound-host, curl, openssl, swaks.
# Talks to 127.0.0.1, .18, .61 and .62 only.
set -uo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${LAB_DIR:-/tmp/mailtls-lab}
INTERNET_DIR=${INTERNET_DIR:-/tmp/mailtls-internet}
for f in "$LAB_DIR/lab.env" "$INTERNET_DIR/internet.env"; do
    [[ -r $f ]] || { echo "internet-selfcheck: $f missing (run Tests/Lab/lab.sh up; Tests/Lab/internet.sh up)" >&2; exit 1; }
done
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"
# shellcheck disable=SC1091
. "$INTERNET_DIR/internet.env"
DNS=${INTERNET_RESOLVER%@*}
WEB=$INTERNET_WEB
CA=$INTERNET_CA
TMP=$(mktemp -d /tmp/internet-selfcheck.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

total=0 failed=0
pass() { total=$((total + 1)); printf 'ok   %s\n' "$1"; }
fail() { total=$((total + 1)); failed=$((failed + 1)); printf 'FAIL %s\n     %s\n' "$1" "$2"; }
expect() {   # expect NAME EXPECTED ACTUAL
    if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1" "expected [$2] got [$3]"; fi
}
expect_match() {   # expect_match NAME REGEX ACTUAL
    if [[ $3 =~ $2 ]]; then pass "$1"; else fail "$1" "expected /$2/ in [$3]"; fi
}

# --- DNS records ---------------------------------------------------------------
# answer NAME TYPE: rdata of the answer records of that type, sorted, joined by " | "
answer() {
    drill @"$DNS" "$1" "$2" 2>/dev/null | awk -v t="$2" '
        /^;; ANSWER SECTION/ {a = 1; next}
        /^;; / {a = 0}
        a && $4 == t {$1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print}' | sort | paste -sd '|' - | sed 's/|/ | /g'
}
rcode() { drill @"$DNS" "$1" "$2" 2>/dev/null | sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p'; }

expect "status: internet.sh status exits 0" 0 "$("$HERE/internet.sh" status >/dev/null 2>&1; echo $?)"
expect "dns: mailtls.test SOA NOERROR" NOERROR "$(rcode mailtls.test SOA)"
expect "dns: names outside the zones get SERVFAIL (no upstream)" SERVFAIL "$(rcode example.com A)"

M=mailtls.test
ROOT_DIGEST=$(openssl x509 -in "$CA" -outform DER | sha256sum | cut -c1-64)
MAILMX="10 mail.mailtls.test."
STS='"v=STSv1; id=20261129T000000;"'
RPT='"v=TLSRPTv1; rua=mailto:tlsrpt@mailtls.test"'
while read -r name type want; do
    [[ -z $name || $name == \#* ]] && continue
    [[ $want == - ]] && want=""
    want=${want//@MAILMX@/$MAILMX}; want=${want//@STS@/$STS}; want=${want//@RPT@/$RPT}
    want=${want//@GOOD_SPKI@/$INTERNET_TLSA_GOOD_SPKI}
    want=${want//@INTERMEDIATE_SPKI@/$INTERNET_TLSA_INTERMEDIATE_SPKI}
    want=${want//@GOOD_CERT@/$INTERNET_TLSA_GOOD_CERT}
    want=${want//@ROOT_CERT@/$ROOT_DIGEST}
    expect "dns: $name $type" "$want" "$(answer "$name" "$type")"
done <<EOF
$M                          MX   @MAILMX@
ns.$M                       A    127.0.0.61
mail.$M                     A    127.0.0.1
mail.$M                     AAAA -
expired-mx.$M               A    127.0.0.2
selfsigned-mx.$M            A    127.0.0.4
nostarttls-mx.$M            A    127.0.0.18
auth-failures.$M            A    127.0.0.19
mailbox.$M                  A    127.0.0.20
mailbox.$M                  MX   10 mailbox.mailtls.test.
dane-bad.$M                 A    127.0.0.1
dane-pkix.$M                A    127.0.0.1
dane-cert.$M                A    127.0.0.1
_25._tcp.mail.$M            TLSA 2 1 1 @INTERMEDIATE_SPKI@ | 3 1 1 @GOOD_SPKI@
_25._tcp.dane-bad.$M        TLSA 3 1 1 deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef
_25._tcp.dane-pkix.$M       TLSA 0 0 1 @ROOT_CERT@ | 1 1 1 @GOOD_SPKI@
_25._tcp.dane-cert.$M       TLSA 3 0 1 @GOOD_CERT@
good.$M                     MX   @MAILMX@
_mta-sts.good.$M            TXT  @STS@
_smtp._tls.good.$M          TXT  @RPT@
testing.$M                  MX   @MAILMX@
_mta-sts.testing.$M         TXT  @STS@
_smtp._tls.testing.$M       TXT  @RPT@
sts-mismatch.$M             MX   @MAILMX@
_mta-sts.sts-mismatch.$M    TXT  @STS@
sts-type.$M                 MX   @MAILMX@
_mta-sts.sts-type.$M        TXT  @STS@
sts-cert.$M                 MX   @MAILMX@
_mta-sts.sts-cert.$M        TXT  @STS@
sts-404.$M                  MX   @MAILMX@
_mta-sts.sts-404.$M         TXT  @STS@
sts-redirect.$M             MX   @MAILMX@
_mta-sts.sts-redirect.$M    TXT  @STS@
sts-badpolicy.$M            MX   @MAILMX@
_mta-sts.sts-badpolicy.$M   TXT  @STS@
sts-notxt.$M                MX   @MAILMX@
_mta-sts.sts-notxt.$M       TXT  -
sts-big.$M                  MX   @MAILMX@
_mta-sts.sts-big.$M         TXT  @STS@
nostarttls.$M               MX   10 nostarttls-mx.mailtls.test.
expired.$M                  MX   10 expired-mx.mailtls.test.
selfsigned.$M               MX   10 selfsigned-mx.mailtls.test.
dane-bad.$M                 MX   10 dane-bad.mailtls.test.
dane-pkix.$M                MX   10 dane-pkix.mailtls.test.
dane-cert.$M                MX   10 dane-cert.mailtls.test.
multi.$M                    MX   10 mail.mailtls.test. | 20 nostarttls-mx.mailtls.test.
bare.$M                     MX   @MAILMX@
_mta-sts.bare.$M            TXT  -
_smtp._tls.bare.$M          TXT  -
badrpt.$M                   MX   @MAILMX@
_smtp._tls.badrpt.$M        TXT  "v=TLSRPTv1; rua=ftp://reports.mailtls.test/"
escapes.$M                  MX   10 \\027[2J\\027[31mred.escapes.mailtls.test.
sts-drip.$M                 MX   @MAILMX@
_mta-sts.sts-drip.$M        TXT  "v=STSv1; id=20261206T000000;"
nullmx.$M                   MX   0 .
nomx.$M                     MX   -
nomx.$M                     A    127.0.0.1
autoconf.$M                 MX   @MAILMX@
autoconfig.autoconf.$M      A    127.0.0.62
_submission._tcp.autoconf.$M SRV 0 1 587 mail.mailtls.test.
wellknown.$M                MX   @MAILMX@
wellknown.$M                A    127.0.0.62
autoconfig.wellknown.$M     A    -
srv.$M                      MX   @MAILMX@
_submissions._tcp.srv.$M    SRV  0 1 465 mail.mailtls.test.
_submission._tcp.srv.$M     SRV  0 1 587 mail.mailtls.test.
_imaps._tcp.srv.$M          SRV  0 1 993 mail.mailtls.test.
_imap._tcp.srv.$M           SRV  0 0 0 .
_pop3s._tcp.srv.$M          SRV  10 1 995 mail.mailtls.test.
_pop3._tcp.srv.$M           SRV  0 0 0 .
guess.$M                    MX   @MAILMX@
mail.guess.$M               A    127.0.0.1
autoconfig.guess.$M         A    -
badconfig.$M                MX   @MAILMX@
autoconfig.badconfig.$M     A    127.0.0.62
imap.badconfig.$M           A    127.0.0.9
bogus.test                  MX   20 mx.bogus.test.
mx.bogus.test               A    127.0.0.1
_25._tcp.mx.bogus.test      TLSA 3 1 1 @GOOD_SPKI@
plain.test                  MX   10 mx.plain.test.
mx.plain.test               A    127.0.0.1
_25._tcp.mx.plain.test      TLSA 3 1 1 @GOOD_SPKI@
_mta-sts.plain.test         TXT  @STS@
_smtp._tls.plain.test       TXT  "v=TLSRPTv1; rua=mailto:tlsrpt@plain.test"
mta-sts.plain.test          A    127.0.0.62
EOF
for h in good testing sts-mismatch sts-type sts-cert sts-404 sts-redirect sts-badpolicy sts-notxt sts-big; do
    expect "dns: mta-sts.$h.$M A" 127.0.0.62 "$(answer "mta-sts.$h.$M" A)"
done
expect "dns: autoconfig.wellknown.$M NXDOMAIN" NXDOMAIN "$(rcode "autoconfig.wellknown.$M" A)"

# --- DNSSEC: libunbound (unbound-host) and drill with the anchors file ------------
cat >"$TMP/unbound-host.conf" <<EOF
server:
    local-zone: "test." nodefault
    trust-anchor-file: "$INTERNET_ANCHORS"
    do-not-query-localhost: no
forward-zone:
    name: "."
    forward-addr: $INTERNET_RESOLVER
EOF
while read -r name type want; do
    out=$(unbound-host -C "$TMP/unbound-host.conf" -v -t "$type" "$name" 2>&1)
    expect_match "dnssec: $name $type is $want" "\($want" "$out"
done <<EOF
good.mailtls.test MX secure
_25._tcp.mail.mailtls.test TLSA secure
_25._tcp.dane-cert.mailtls.test TLSA secure
nomx.mailtls.test MX secure
nomx.mailtls.test A secure
nxdomain.mailtls.test A secure
_mta-sts.good.mailtls.test TXT secure
bogus.test MX BOGUS
_25._tcp.mx.bogus.test TLSA secure
plain.test MX insecure
_25._tcp.mx.plain.test TLSA insecure
EOF
expect_match "dnssec: drill -S -k anchors good.mailtls.test MX" "Chase successful" \
    "$(drill -S -k "$INTERNET_ANCHORS" @"$DNS" good.mailtls.test MX 2>&1)"
expect_match "dnssec: drill -S -k anchors bogus.test MX" "Chase failed" \
    "$(drill -S -k "$INTERNET_ANCHORS" @"$DNS" bogus.test MX 2>&1)"

# --- TLSA digests against the live GOOD server (127.0.0.1:25 STARTTLS) -----------
dane() {   # dane "U S M DATA" -> openssl's DANE verdict line
    echo QUIT | timeout 10 openssl s_client -connect "$LAB_GOOD:25" -starttls smtp \
        -servername "$LAB_SERVERNAME" -dane_tlsa_domain "$LAB_SERVERNAME" -dane_tlsa_rrdata "$1" 2>&1 |
        grep -E '^(DANE TLSA|Verification error)' | head -1
}
while IFS= read -r rr; do
    read -r u s m _ <<<"$rr"
    case $u in
        3) expect_match "tlsa: _25._tcp.mail $u $s $m matches 127.0.0.1:25" "matched EE certificate at depth 0" "$(dane "$rr")" ;;
        2) expect_match "tlsa: _25._tcp.mail $u $s $m matches 127.0.0.1:25" "matched TA certificate at depth 1" "$(dane "$rr")" ;;
        *) fail "tlsa: _25._tcp.mail unexpected record" "$rr" ;;
    esac
done < <(answer "_25._tcp.mail.$M" TLSA | sed 's/ | /\n/g')
expect_match "tlsa: _25._tcp.dane-cert 3 0 1 matches 127.0.0.1:25" "matched EE certificate" "$(dane "$(answer "_25._tcp.dane-cert.$M" TLSA)")"
expect_match "tlsa: _25._tcp.dane-bad 3 1 1 matches nothing" "no matching DANE TLSA records" "$(dane "$(answer "_25._tcp.dane-bad.$M" TLSA)")"

# --- web ----------------------------------------------------------------------------
fetch() {   # fetch HOST PATH [curl args]: HTTPS to $WEB with SNI HOST, verified with the lab CA
    local h=$1 p=$2; shift 2
    curl -sS --noproxy '*' --max-time 5 --cacert "$CA" --resolve "$h:443:$WEB" "https://$h$p" "$@" 2>&1
}
meta() { fetch "$1" "$2" -o /dev/null -w '%{http_code} %{content_type}'; }
crlf() { printf '%s\r\n' "$@"; }
STSP=/.well-known/mta-sts.txt
good_policy=$(crlf "version: STSv1" "mode: enforce" "mx: mail.mailtls.test" "max_age: 604800" | od -An -c)

expect "web: mta-sts.good 200 text/plain" "200 text/plain" "$(meta "mta-sts.good.$M" $STSP)"
expect "web: mta-sts.good policy bytes (CRLF)" "$good_policy" "$(fetch "mta-sts.good.$M" $STSP | od -An -c)"
expect "web: mta-sts.good sends leaf + intermediate" 2 \
    "$(echo | openssl s_client -connect "$WEB:443" -servername "mta-sts.good.$M" -showcerts 2>/dev/null | grep -c 'BEGIN CERTIFICATE')"
expect_match "web: mta-sts.good leaf SAN and 365-day validity" \
    "DNS:mta-sts.good.mailtls.test" "$(echo | openssl s_client -connect "$WEB:443" -servername "mta-sts.good.$M" 2>/dev/null | openssl x509 -noout -ext subjectAltName)"
days=$(echo | openssl s_client -connect "$WEB:443" -servername "mta-sts.good.$M" 2>/dev/null | openssl x509 -noout -enddate | cut -d= -f2)
days=$(( ($(date -d "$days" +%s) - $(date +%s)) / 86400 ))
expect "web: mta-sts.good leaf expires in 364-365 days" yes "$([[ $days -ge 364 && $days -le 365 ]] && echo yes || echo "no ($days)")"
expect "web: mta-sts.testing policy" \
    "$(crlf "version: STSv1" "mode: testing" "mx: *.mailtls.test" "max_age: 604800" | od -An -c)" \
    "$(fetch "mta-sts.testing.$M" $STSP | od -An -c)"
expect "web: mta-sts.sts-mismatch policy" \
    "$(crlf "version: STSv1" "mode: enforce" "mx: mx.other.test" "max_age: 604800" | od -An -c)" \
    "$(fetch "mta-sts.sts-mismatch.$M" $STSP | od -An -c)"
expect "web: mta-sts.sts-type is text/html" "200 text/html" "$(meta "mta-sts.sts-type.$M" $STSP)"
expect "web: mta-sts.sts-type body is a valid policy" "$good_policy" "$(fetch "mta-sts.sts-type.$M" $STSP | od -An -c)"
expect_match "web: mta-sts.sts-cert fails verification (curl 60, name mismatch)" \
    "curl: \(60\).*no alternative certificate subject name" "$(meta "mta-sts.sts-cert.$M" $STSP)"
expect_match "web: mta-sts.sts-cert presents wrong.example.test" "DNS:wrong.example.test" \
    "$(echo | openssl s_client -connect "$WEB:443" -servername "mta-sts.sts-cert.$M" 2>/dev/null | openssl x509 -noout -ext subjectAltName)"
expect "web: mta-sts.sts-cert body (with -k) is a valid policy" "$good_policy" "$(fetch "mta-sts.sts-cert.$M" $STSP -k | od -An -c)"
expect "web: mta-sts.sts-404 is 404" 404 "$(fetch "mta-sts.sts-404.$M" $STSP -o /dev/null -w '%{http_code}')"
expect "web: mta-sts.sts-redirect is 301 to mta-sts.good" "301 https://mta-sts.good.mailtls.test$STSP" \
    "$(fetch "mta-sts.sts-redirect.$M" $STSP -o /dev/null -w '%{http_code} %{redirect_url}')"
expect "web: mta-sts.sts-badpolicy policy" \
    "$(crlf "version: STSv1" "mode: enforce" "max_age: 999999999" | od -An -c)" \
    "$(fetch "mta-sts.sts-badpolicy.$M" $STSP | od -An -c)"
expect "web: mta-sts.sts-notxt serves a valid policy" "$good_policy" "$(fetch "mta-sts.sts-notxt.$M" $STSP | od -An -c)"
big=$(fetch "mta-sts.sts-big.$M" $STSP -o "$TMP/big" -w '%{http_code} %{content_type}')
expect "web: mta-sts.sts-big 200 text/plain" "200 text/plain" "$big"
size=$(wc -c <"$TMP/big")
expect "web: mta-sts.sts-big is larger than 100 KiB ($size bytes)" yes "$( ((size > 102400)) && echo yes || echo no)"
expect "web: mta-sts.sts-big starts with the valid policy" "$good_policy" "$(head -c 71 "$TMP/big" | od -An -c)"
expect "web: mta-sts.sts-big padding lines all start with #" 0 "$(tail -n +5 "$TMP/big" | grep -vc '^#')"
expect "web: mta-sts.plain.test policy" \
    "$(crlf "version: STSv1" "mode: enforce" "mx: mx.plain.test" "max_age: 604800" | od -An -c)" \
    "$(fetch "mta-sts.plain.test" $STSP | od -An -c)"
expect "web: port 80 serves the same policy" "$good_policy" \
    "$(curl -sS --noproxy '*' --max-time 5 -H "Host: mta-sts.good.$M" "http://$WEB$STSP" | od -An -c)"
expect_match "web: unknown SNI: handshake rejected" "unrecognized name" "$(meta nothere.$M /)"
expect "web: unknown Host on port 80: 404" 404 "$(curl -sS --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' -H 'Host: nothere.test' "http://$WEB/")"
expect "web: other paths on a policy host: 404" 404 "$(fetch "mta-sts.good.$M" / -o /dev/null -w '%{http_code}')"

AC=/mail/config-v1.1.xml
expect "web: autoconfig.autoconf 200 text/xml" "200 text/xml" "$(meta "autoconfig.autoconf.$M" "$AC?emailaddress=alice%40autoconf.mailtls.test")"
xml=$(fetch "autoconfig.autoconf.$M" $AC | tr -d ' \n')
expect_match "web: autoconf config: provider, IMAP 993, POP3 995, SMTP 465 (SSL)" \
    'emailProviderid="autoconf.mailtls.test"><domain>autoconf.mailtls.test</domain><displayName>.*<incomingServertype="imap"><hostname>mail.mailtls.test</hostname><port>993</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication></incomingServer><incomingServertype="pop3"><hostname>mail.mailtls.test</hostname><port>995</port><socketType>SSL</socketType>.*<outgoingServertype="smtp"><hostname>mail.mailtls.test</hostname><port>465</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication></outgoingServer>' "$xml"
expect "web: wellknown 200 text/xml" "200 text/xml" "$(meta "wellknown.$M" /.well-known/autoconfig$AC)"
xml=$(fetch "wellknown.$M" /.well-known/autoconfig$AC | tr -d ' \n')
expect_match "web: wellknown config: IMAP 143 STARTTLS, POP3 995 SSL, SMTP 587 STARTTLS" \
    'emailProviderid="wellknown.mailtls.test">.*type="imap"><hostname>mail.mailtls.test</hostname><port>143</port><socketType>STARTTLS</socketType>.*type="pop3"><hostname>mail.mailtls.test</hostname><port>995</port><socketType>SSL</socketType>.*type="smtp"><hostname>mail.mailtls.test</hostname><port>587</port><socketType>STARTTLS</socketType>' "$xml"
xml=$(fetch "autoconfig.badconfig.$M" $AC | tr -d ' \n')
expect_match "web: badconfig config: IMAP imap.badconfig.mailtls.test 993" \
    'type="imap"><hostname>imap.badconfig.mailtls.test</hostname><port>993</port><socketType>SSL</socketType>.*type="smtp"><hostname>mail.mailtls.test</hostname><port>465</port>' "$xml"
expect "web: badconfig's IMAP address refuses" refused \
    "$( (exec 3<>/dev/tcp/127.0.0.9/993) 2>/dev/null && echo open || echo refused)"

# --- mail servers the zone points at --------------------------------------------------
ehlo=$(swaks --server "${LAB_NO_STARTTLS:-127.0.0.18}:25" --quit-after EHLO 2>&1)
expect_match "mail: nostarttls-mx 127.0.0.18:25 answers EHLO" "<- +250 " "$ehlo"
expect "mail: nostarttls-mx 127.0.0.18:25 does not offer STARTTLS" 0 "$(grep -c STARTTLS <<<"$ehlo")"
expect_match "mail: mail.mailtls.test 127.0.0.1:25 offers STARTTLS" "250-STARTTLS" \
    "$(swaks --server "$LAB_GOOD:25" --quit-after EHLO 2>&1)"

echo "$total checks, $failed failed"
((failed == 0))
