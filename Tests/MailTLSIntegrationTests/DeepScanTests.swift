import Foundation
import MailTLSCore
import Testing

/// `check --deep` against the lab's real Postfix and Dovecot, cross-checked suite by suite with `openssl s_client`:
/// for every suite OpenSSL can offer, s_client's handshake succeeds exactly when mailtls lists the suite as accepted.
@Suite(.serialized) struct DeepScanTests {
    func deep(_ addressKey: String, ports: String) throws -> [Int: [String: Any]] {
        try deep(address: try Lab.get()[addressKey], ports: ports)
    }

    func deep(address: String, ports: String) throws -> [Int: [String: Any]] {
        let lab = try Lab.get()
        let result = ProcessRunner.run(ProcessRunner.mailtlsBinary, [
            "check", address, "--servername", lab.serverName, "--ca-file", lab.caFile, "--ports", ports,
            "--deep", "--json",
        ], environment: ["LANG": "C"], timeout: 180)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                    "\(result.stderr)")
        var deep: [Int: [String: Any]] = [:]
        for port in document["ports"] as? [[String: Any]] ?? [] {
            if let scan = port["deep"] as? [String: Any] { deep[port["port"] as? Int ?? 0] = scan }
        }
        return deep
    }

    static func accepted(_ scan: [String: Any], _ version: String) -> Set<String> {
        let versions = scan["versions"] as? [[String: Any]] ?? []
        let suites = versions.first { $0["version"] as? String == version }?["suites"] as? [[String: Any]] ?? []
        return Set(suites.compactMap { $0["name"] as? String })
    }

    /// What `openssl s_client` negotiates with each suite alone: the IANA names of those that succeed.
    func openSSLAccepts(address: String, port: Int, version: TLSVersion, startTLS: String?) -> Set<String> {
        let candidates = CipherSuiteRegistry.suites.filter { $0.allowed(in: version) }
        let script = """
            import subprocess, sys, concurrent.futures
            address, port, flag, starttls = sys.argv[1:5]
            suites = sys.argv[5:]
            def tries(pair):
                iana, name = pair.split("=", 1)
                args = ["openssl", "s_client", "-connect", f"{address}:{port}", flag, "-no_ign_eof"]
                if flag == "-tls1_3":
                    args += ["-ciphersuites", name]
                else:
                    args += ["-cipher", name + ":@SECLEVEL=0"]
                if starttls:
                    args += ["-starttls", starttls]
                done = subprocess.run(args, input=b"", capture_output=True, timeout=20)
                text = done.stdout.decode(errors="replace")
                return iana if done.returncode == 0 and "Cipher is (NONE)" not in text and ", Cipher is " in text else None
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                for result in pool.map(tries, suites):
                    if result:
                        print(result)
            """
        let flag = ["-tls1", "-tls1_1", "-tls1_2", "-tls1_3"][TLSVersion.allCases.firstIndex(of: version)!]
        let pairs = candidates.compactMap { suite -> String? in
            if version == .tls13 { return "\(suite.ianaName)=\(suite.ianaName)" }
            return suite.openSSLName.map { "\(suite.ianaName)=\($0)" }
        }
        let result = ProcessRunner.run("/usr/bin/python3", ["-c", script, address, String(port), flag, startTLS ?? ""]
                                       + pairs, timeout: 300)
        return Set(result.stdout.split(separator: "\n").map(String.init))
    }

    /// The WEAK lab server (Postfix with OpenSSL's DEFAULT:@SECLEVEL=0 on 465 and 587, Dovecot on 993): every
    /// version, every suite OpenSSL knows, the same answer as s_client's, and the weaknesses named.
    @Test func everySuiteAgreesWithOpenSSL() throws {
        let lab = try Lab.get()
        let address = lab["LAB_WEAK"]
        let scans = try deep("LAB_WEAK", ports: "465,587,993")
        #expect(Set(scans.keys) == [465, 587, 993])
        for (port, startTLS, versions) in [(465, nil, TLSVersion.allCases), (587, "smtp", [.tls12]),
                                           (993, nil, [.tls12, .tls13])] as [(Int, String?, [TLSVersion])] {
            let scan = try #require(scans[port])
            for version in versions {
                let ours = Self.accepted(scan, version.rawValue)
                let openssl = openSSLAccepts(address: address, port: port, version: version, startTLS: startTLS)
                // OpenSSL 3 cannot offer RC4, DES or export suites: compare on what it can offer.
                let comparable = Set(CipherSuiteRegistry.suites.filter {
                    version == .tls13 || $0.openSSLName != nil
                }.map(\.ianaName))
                #expect(ours.intersection(comparable) == openssl, "\(port) \(version): mailtls \(ours.sorted()) openssl \(openssl.sorted())")
            }
            #expect((scan["handshakes"] as? Int ?? 0) > 0)
        }
        let scan465 = try #require(scans[465])
        #expect(Self.accepted(scan465, "TLSv1.2").contains("TLS_RSA_WITH_AES_128_CBC_SHA"))
    }

    /// The LEGACY_TLS lab server (TLS 1.0 and 1.1 allowed): TLS 1.0 and 1.1 suite by suite against s_client, on
    /// SMTP's 465 and over STARTTLS on POP3's 110.
    @Test func legacyVersionsAgreeWithOpenSSL() throws {
        let lab = try Lab.get()
        let address = lab["LAB_LEGACY_TLS"]
        let scans = try deep("LAB_LEGACY_TLS", ports: "465,110")
        for (port, startTLS) in [(465, nil), (110, "pop3")] as [(Int, String?)] {
            let scan = try #require(scans[port], "\(port) was not scanned")
            for version in [TLSVersion.tls10, .tls11] {
                let ours = Self.accepted(scan, version.rawValue)
                let openssl = openSSLAccepts(address: address, port: port, version: version, startTLS: startTLS)
                let comparable = Set(CipherSuiteRegistry.suites.filter { $0.openSSLName != nil }.map(\.ianaName))
                #expect(!openssl.isEmpty, "\(port) \(version): s_client negotiated nothing")
                #expect(ours.intersection(comparable) == openssl,
                        "\(port) \(version): mailtls \(ours.sorted()) openssl \(openssl.sorted())")
            }
            // OpenSSL 3 refuses a marked fallback below its best version, and speaks neither SSL 3.0 nor 2.0.
            #expect(scan["fallbackSCSV"] as? Bool == true, "\(port)")
            #expect(scan["sslv3"] as? Bool == false && scan["sslv2"] as? Bool == false)
            #expect(scan["secureRenegotiation"] as? Bool == true && scan["compression"] as? Bool == false)
        }
    }

    /// TLS 1.3's groups, learned from HelloRetryRequests, against `openssl s_client -groups` one group at a time.
    @Test func groupsAgreeWithOpenSSL() throws {
        let lab = try Lab.get()
        let scans = try deep("LAB_WEAK", ports: "465,993")
        for port in [465, 993] {
            let ours = Set(try #require(scans[port])["groups"] as? [String] ?? [])
            var openssl = Set<String>()
            for group in ["x25519", "x448", "secp256r1", "secp384r1", "secp521r1", "ffdhe2048", "ffdhe3072"] {
                let result = ProcessRunner.run("/usr/bin/openssl", [
                    "s_client", "-connect", "\(lab["LAB_WEAK"]):\(port)", "-tls1_3", "-groups", group,
                ], environment: [:], timeout: 20)
                if result.status == 0, result.stdout.contains(", Cipher is TLS_") { openssl.insert(group) }
            }
            #expect(ours.intersection(openssl) == openssl && !openssl.isEmpty,
                    "\(port): mailtls \(ours.sorted()) openssl \(openssl.sorted())")
            #expect(ours.subtracting(["ffdhe4096", "ffdhe6144", "ffdhe8192"]) == openssl)
        }
    }

    /// The mail ports of one server and the STARTTLS command sslyze needs on each.
    static let sevenPorts: [(port: Int, startTLS: String?)] = [
        (25, "SMTP"), (465, nil), (587, "SMTP"), (143, "IMAP"), (993, nil), (110, "POP3"), (995, nil),
    ]

    /// What sslyze 6.3.1 (scripts/install-sslyze) accepts on each target, and what it can offer per version.
    static func sslyze(_ targets: [(address: String, port: Int, startTLS: String?)], serverName: String) throws
        -> (offered: [String: Set<String>], accepted: [String: [String: Set<String>]]) {
        let install = ProcessRunner.run("/bin/bash", [Lab.packageRoot.appendingPathComponent("scripts/install-sslyze").path],
                                        timeout: 300)
        let python = install.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(install.status == 0 && !python.isEmpty, "scripts/install-sslyze: \(install.stderr)")
        let list = targets.map { ["address": $0.address, "port": $0.port, "starttls": $0.startTLS as Any? ?? NSNull()] }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: list), as: UTF8.self)
        let result = ProcessRunner.run(python, [Tool.fixture("sslyze_suites.py"), serverName, json], timeout: 900)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                    "sslyze: \(result.status) \(result.stderr.suffix(2000))")
        let offered = (document["offered"] as? [String: [String]] ?? [:]).mapValues(Set.init)
        var accepted: [String: [String: Set<String>]] = [:]
        for (target, value) in document["targets"] as? [String: [String: Any]] ?? [:] {
            var versions: [String: Set<String>] = [:]
            for (version, suites) in value {
                guard let names = suites as? [String] else {
                    Issue.record("sslyze \(target) \(version): \(suites)")
                    continue
                }
                versions[version] = Set(names)
            }
            accepted[target] = versions
        }
        return (offered, accepted)
    }

    /// The issue's cross-check: on the GOOD server's seven ports, on LEGACY_CIPHERS's seven (every suite Debian's
    /// OpenSSL can still serve, TLS 1.0 to 1.3, static RSA, NULL and anonymous suites, DHE-1024) and on fixlab's
    /// GnuTLS Exim with 3DES and RC4 (which Debian's OpenSSL no longer has), each version's accepted suites are
    /// sslyze's. The only differences allowed are suites one of the two cannot offer: the comparison is on the
    /// suites both offer, and what lies outside it is named below.
    @Test func everyLabPortAgreesWithSSLyze() throws {
        let lab = try Lab.get()
        let fixLab = try FixLab.get()
        let legacyExim = fixLab["FIXLAB_EXIM_LEGACY"]
        try #require(!legacyExim.isEmpty, "fixlab.env has no FIXLAB_EXIM_LEGACY")
        var targets: [(address: String, port: Int, startTLS: String?)] = []
        for address in [lab["LAB_GOOD"], lab["LAB_LEGACY_CIPHERS"]] {
            targets += Self.sevenPorts.map { (address, $0.port, $0.startTLS) }
        }
        targets += [(legacyExim, 25, "SMTP"), (legacyExim, 465, nil), (legacyExim, 587, "SMTP")]

        var ours: [String: [String: Any]] = [:]
        for address in Set(targets.map(\.address)) {
            let ports = targets.filter { $0.address == address }.map { String($0.port) }.joined(separator: ",")
            for (port, scan) in try deep(address: address, ports: ports) { ours["\(address):\(port)"] = scan }
        }
        var (offered, theirs) = try Self.sslyze(targets, serverName: lab.serverName)
        // sslyze counts a connection that fails for any reason as a refused suite. Its misses are transient: the
        // targets where it saw less than mailtls are scanned once more and its two answers joined (a suite a server
        // accepted once, it accepts).
        let short = targets.filter { target in
            let key = "\(target.address):\(target.port)"
            return TLSVersion.allCases.contains { version in
                let its = theirs[key]?[version.rawValue] ?? []
                let mine = Self.accepted(ours[key] ?? [:], version.rawValue)
                return !mine.intersection(offered[version.rawValue] ?? []).subtracting(Self.sslyzeMisses).isSubset(of: its)
            }
        }
        if !short.isEmpty {
            let again = try Self.sslyze(short, serverName: lab.serverName).accepted
            for (key, versions) in again {
                for (version, suites) in versions { theirs[key, default: [:]][version, default: []].formUnion(suites) }
            }
        }

        var onlyMailTLSOffers: Set<String> = []
        for target in targets {
            let key = "\(target.address):\(target.port)"
            let scan = try #require(ours[key], "mailtls did not scan \(key)")
            let sslyze = try #require(theirs[key], "sslyze did not scan \(key)")
            for version in TLSVersion.allCases {
                let mailtlsOffers = Set(CipherSuiteRegistry.suites.filter { $0.allowed(in: version) }.map(\.ianaName))
                let sslyzeOffers = offered[version.rawValue] ?? []
                let both = mailtlsOffers.intersection(sslyzeOffers).subtracting(Self.sslyzeMisses)
                let mine = Self.accepted(scan, version.rawValue)
                let its = sslyze[version.rawValue] ?? []
                #expect(mine.intersection(both) == its.intersection(both),
                        "\(key) \(version): only mailtls \(mine.subtracting(its).sorted()), only sslyze \(its.subtracting(mine).sorted())")
                // sslyze never finds a suite mailtls cannot offer: the registry holds every one it knows.
                #expect(its.subtracting(mailtlsOffers).isEmpty, "\(key) \(version): \(its.subtracting(mailtlsOffers))")
                onlyMailTLSOffers.formUnion(mine.subtracting(sslyzeOffers))
            }
            #expect((scan["sslv3"] as? Bool ?? true) == !(sslyze["SSLv3"] ?? []).isEmpty, "\(key) SSLv3")
            #expect((scan["sslv2"] as? Bool ?? true) == !(sslyze["SSLv2"] ?? []).isEmpty, "\(key) SSLv2")
        }
        // The only suites the servers accepted that sslyze cannot offer.
        #expect(onlyMailTLSOffers == Self.outsideSSLyze, "\(onlyMailTLSOffers.sorted())")

        // The legacy servers really are legacy: TLS 1.0 everywhere, 3DES and RC4 from GnuTLS.
        let exim = try #require(ours["\(legacyExim):465"])
        #expect(Self.accepted(exim, "TLSv1.0").contains("TLS_RSA_WITH_3DES_EDE_CBC_SHA"))
        let legacy = try #require(ours["\(lab["LAB_LEGACY_CIPHERS"]):993"])
        #expect(Self.accepted(legacy, "TLSv1.0").contains("TLS_RSA_WITH_AES_128_CBC_SHA"))
    }

    /// Suites the lab servers accept that sslyze's OpenSSL builds cannot offer: none.
    static let outsideSSLyze: Set<String> = []

    /// Suites sslyze lists among those it tests but never finds accepted, although OpenSSL's own s_client
    /// negotiates them with the same servers (LEGACY_CIPHERS and GOOD's Postfix): anonymous CAMELLIA with SHA-256.
    /// `sslyzeMissesAreReallyAccepted` proves it with s_client.
    static let sslyzeMisses: Set<String> = [
        "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256", "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256",
    ]

    @Test func sslyzeMissesAreReallyAccepted() throws {
        let lab = try Lab.get()
        let scans = try deep("LAB_LEGACY_CIPHERS", ports: "465")
        let ours = Self.accepted(try #require(scans[465]), "TLSv1.2")
        for name in Self.sslyzeMisses {
            let openSSLName = try #require(CipherSuiteRegistry.suites.first { $0.ianaName == name }?.openSSLName)
            let result = ProcessRunner.run("/usr/bin/openssl", [
                "s_client", "-connect", "\(lab["LAB_LEGACY_CIPHERS"]):465", "-tls1_2", "-cipher", openSSLName + ":@SECLEVEL=0",
            ], environment: [:], timeout: 20)
            #expect(result.stdout.contains(", Cipher is \(openSSLName)"), "\(name): \(result.stdout.suffix(400))")
            #expect(ours.contains(name), "\(name)")
        }
    }

    /// DHE's group comes from the ServerKeyExchange: the LEGACY_CIPHERS server's 1024-bit RFC 2409 prime is named,
    /// and is a finding with its fix in the server's terms; the GOOD server's groups are 2048 bits or more.
    @Test func dhGroupsFromTheServerKeyExchange() throws {
        let lab = try Lab.get()
        let legacy = try deep("LAB_LEGACY_CIPHERS", ports: "465,993")
        for port in [465, 993] {
            let groups = try #require(legacy[port]?["dhGroups"] as? [[String: Any]], "\(port)")
            #expect(groups.first?["bits"] as? Int == 1024, "\(port): \(groups)")
            #expect(groups.first?["published"] as? String == "rfc2409-2", "\(port): \(groups)")
        }
        // GOOD: Dovecot's 4096-bit group. Postfix leaves the group to OpenSSL, which sizes it by the certificate
        // (2048 bits for its RSA-2048 key) for DHE, and by the cipher alone for anonymous suites: 1024 bits for a
        // 128-bit cipher. That weak group is anonymous suites' only, a note on port 25.
        let good = try deep("LAB_GOOD", ports: "25,993")
        let dovecot = good[993]?["dhGroups"] as? [[String: Any]] ?? []
        #expect(dovecot.count == 1 && dovecot.first?["bits"] as? Int == 4096, "\(dovecot)")
        let postfix = good[25]?["dhGroups"] as? [[String: Any]] ?? []
        #expect(postfix.contains { $0["bits"] as? Int == 2048 && $0["anonymousOnly"] as? Bool == false }, "\(postfix)")
        #expect(postfix.allSatisfy { ($0["bits"] as? Int ?? 0) >= 2048 || $0["anonymousOnly"] as? Bool == true },
                "\(postfix)")
        let text = ProcessRunner.run(ProcessRunner.mailtlsBinary, [
            "check", lab["LAB_LEGACY_CIPHERS"], "--servername", lab.serverName, "--ca-file", lab.caFile, "--ports",
            "465,993", "--deep", "--lang", "en",
        ], environment: ["LANG": "C"], timeout: 180).stdout
        #expect(text.contains("1024-bit Diffie-Hellman groups"), "\(text)")
        #expect(text.contains("smtpd_tls_dh1024_param_file") && text.contains("ssl_dh"), "\(text)")
    }

    @Test func theJSONMatchesTheSchema() async throws {
        let lab = try Lab.get()
        let result = ProcessRunner.run(ProcessRunner.mailtlsBinary, [
            "check", lab["LAB_WEAK"], "--servername", lab.serverName, "--ca-file", lab.caFile, "--ports", "465",
            "--deep", "--json",
        ], environment: ["LANG": "C"], timeout: 180)
        #expect(result.stdout.contains("\"cipher-no-forward-secrecy\""))
        let validation = await Tool.validate(json: result.stdout, schema: "check-report.schema.json")
        #expect(validation.status == 0, "schema: \(validation.stderr)")
    }

    /// The handshakes stay few: for the GOOD server, far fewer than one per suite and version.
    @Test func fewHandshakesAndNoFindingsBeyondTheSuites() throws {
        let scans = try deep("LAB_GOOD", ports: "993")
        let scan = try #require(scans[993])
        let accepted = (scan["versions"] as? [[String: Any]] ?? []).map { ($0["suites"] as? [Any] ?? []).count }
            .reduce(0, +)
        let handshakes = scan["handshakes"] as? Int ?? 0
        // One per accepted suite, one or two per bundle, two for a split, one for the order, per version.
        #expect(handshakes <= accepted + 4 * 6, "\(handshakes) handshakes for \(accepted) suites")
        #expect(Set(scan["refused"] as? [String] ?? []) == ["TLSv1.0", "TLSv1.1"])
    }
}
