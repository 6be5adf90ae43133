import Foundation
import MailTLSCore
import Testing

/// `check --deep` against the lab's real Postfix and Dovecot, cross-checked suite by suite with `openssl s_client`:
/// for every suite OpenSSL can offer, s_client's handshake succeeds exactly when mailtls lists the suite as accepted.
@Suite(.serialized) struct DeepScanTests {
    func deep(_ addressKey: String, ports: String) throws -> [Int: [String: Any]] {
        let lab = try Lab.get()
        let result = ProcessRunner.run(ProcessRunner.mailtlsBinary, [
            "check", lab[addressKey], "--servername", lab.serverName, "--ca-file", lab.caFile, "--ports", ports,
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
