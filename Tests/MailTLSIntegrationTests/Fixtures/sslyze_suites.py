# What sslyze finds each TLS version of each target accepting: its cipher-suite scans only, one scanner for every
# target at once. Usage: sslyze_suites.py SERVER_NAME JSON where JSON is [{"address", "port", "starttls": SMTP|IMAP|
# POP3|null}]. Prints {"offered": {"TLSv1.2": [every suite sslyze can offer], ...}, "targets": {"ADDRESS:PORT":
# {"TLSv1.2": [IANA names accepted], ...} or {"error": ...}}}. DeepScanTests runs it with the python of
# scripts/install-sslyze.
import json, sys
from sslyze import (Scanner, ServerScanRequest, ServerNetworkLocation, ServerNetworkConfiguration, ScanCommand,
                    ProtocolWithOpportunisticTlsEnum, ScanCommandAttemptStatusEnum, ServerScanStatusEnum, TlsVersionEnum)
from sslyze.plugins.openssl_cipher_suites.cipher_suites import CipherSuitesRepository
server_name, targets = sys.argv[1], json.loads(sys.argv[2])
commands = {"SSLv2": ScanCommand.SSL_2_0_CIPHER_SUITES, "SSLv3": ScanCommand.SSL_3_0_CIPHER_SUITES,
            "TLSv1.0": ScanCommand.TLS_1_0_CIPHER_SUITES, "TLSv1.1": ScanCommand.TLS_1_1_CIPHER_SUITES,
            "TLSv1.2": ScanCommand.TLS_1_2_CIPHER_SUITES, "TLSv1.3": ScanCommand.TLS_1_3_CIPHER_SUITES}
requests = []
for target in targets:
    starttls = ProtocolWithOpportunisticTlsEnum[target["starttls"]] if target["starttls"] else None
    requests.append(ServerScanRequest(
        server_location=ServerNetworkLocation(hostname=server_name, port=target["port"], ip_address=target["address"]),
        network_configuration=ServerNetworkConfiguration(tls_server_name_indication=server_name,
                                                         tls_opportunistic_encryption=starttls),
        scan_commands=set(commands.values())))
# Two connections per server, three servers at once: sslyze's default (five per server, ten servers) makes
# Dovecot's login processes turn connections away, which sslyze counts as refused suites.
scanner = Scanner(per_server_concurrent_connections_limit=2, concurrent_server_scans_limit=3)
scanner.queue_scans(requests)
out = {}
for result in scanner.get_results():
    key = f"{result.server_location.ip_address}:{result.server_location.port}"
    if result.scan_status != ServerScanStatusEnum.COMPLETED:
        out[key] = {"error": str(result.connectivity_error_trace)}
        continue
    versions = {}
    for name, command in commands.items():
        attempt = getattr(result.scan_result, command.value)
        if attempt.status != ScanCommandAttemptStatusEnum.COMPLETED:
            versions[name] = {"error": str(attempt.error_reason)}
        else:
            versions[name] = sorted(s.cipher_suite.name for s in attempt.result.accepted_cipher_suites)
    out[key] = versions
versions = {"SSLv2": TlsVersionEnum.SSL_2_0, "SSLv3": TlsVersionEnum.SSL_3_0, "TLSv1.0": TlsVersionEnum.TLS_1_0,
            "TLSv1.1": TlsVersionEnum.TLS_1_1, "TLSv1.2": TlsVersionEnum.TLS_1_2, "TLSv1.3": TlsVersionEnum.TLS_1_3}
offered = {name: sorted(s.name for s in CipherSuitesRepository.get_all_cipher_suites(version))
           for name, version in versions.items()}
print(json.dumps({"offered": offered, "targets": out}))
