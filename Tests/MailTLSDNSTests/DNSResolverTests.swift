import Foundation
import TestSupport
import Testing

@testable import MailTLSDNS

/// The DNS lab (Fixtures/dns-lab.sh): unbound serving a signed zone, a tampered one and an unsigned one on
/// 127.0.0.60, with the signed zones' DS records as trust anchors.
enum DNSLab {
    static let shared: Result<DNSResolver.Configuration, LabFailure> = {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/dns-lab.sh").path
        // Not Foundation's Process: the unbound daemon the script starts would keep its end-of-process pipe open.
        let result = Subprocess.runBlocking("/bin/bash", [script, "up"], timeout: 120)
        guard result.status == 0 else {
            return .failure(LabFailure(message: "dns-lab.sh up failed with \(result.status): \(result.stderr)"))
        }
        let directory = ProcessInfo.processInfo.environment["DNS_LAB_DIR"] ?? "/tmp/mailtls-dns-lab"
        return .success(DNSResolver.Configuration(resolver: "127.0.0.60@53",
                                                  trustAnchorFile: directory + "/anchors.ds", timeout: 5))
    }()

    static func resolver() throws -> DNSResolver {
        try DNSResolver(try shared.get())
    }
}

struct LabFailure: Error {
    let message: String
}

@Suite struct DNSResolverTests {
    @Test func signedZoneIsSecureWithTypedRecords() async throws {
        let resolver = try DNSLab.resolver()
        let mx = try await resolver.mx("mailtls.test")
        #expect(mx.status == .secure)
        #expect(mx.records.sorted { $0.preference < $1.preference }
            == [MXRecord(preference: 10, exchange: "mail.mailtls.test."),
                MXRecord(preference: 20, exchange: "backup.mailtls.test.")])
        let srv = try await resolver.srv("_submissions._tcp.mailtls.test")
        #expect(srv.records == [SRVRecord(priority: 0, weight: 1, port: 465, target: "mail.mailtls.test.")])
        let notOffered = try await resolver.srv("_pop3._tcp.mailtls.test")
        #expect(notOffered.records.first?.isNotOffered == true)
        let txt = try await resolver.txt("_smtp._tls.mailtls.test")
        #expect(txt.records == ["v=TLSRPTv1; rua=mailto:tlsrpt@mailtls.test"])
        let tlsa = try await resolver.tlsa("_25._tcp.mail.mailtls.test")
        #expect(tlsa.records.first?.usage == 3 && tlsa.records.first?.selector == 1
            && tlsa.records.first?.matchingType == 1 && tlsa.records.first?.data.count == 32)
        let addresses = try await resolver.addresses("mail.mailtls.test")
        #expect(addresses.records == ["127.0.0.1", "0:0:0:0:0:0:0:1"])
        #expect(addresses.status == .secure)
    }

    @Test func missingNamesAreProvenAbsent() async throws {
        let resolver = try DNSLab.resolver()
        let answer = try await resolver.mx("nothing-here.mailtls.test")
        #expect(answer.nameDoesNotExist)
        #expect(answer.records.isEmpty)
        #expect(answer.status == .secure, "NSEC proves the name absent")
    }

    @Test func tamperedZoneIsBogusWithAReason() async throws {
        let resolver = try DNSLab.resolver()
        let answer = try await resolver.addresses("www.bogus.test")
        guard case .bogus(let reason) = answer.status else {
            Issue.record("expected bogus, got \(answer.status)")
            return
        }
        #expect(!reason.isEmpty)
    }

    @Test func unsignedZoneIsInsecure() async throws {
        let resolver = try DNSLab.resolver()
        let answer = try await resolver.mx("plain.test")
        #expect(answer.status == .insecure)
        #expect(answer.records == [MXRecord(preference: 10, exchange: "mx.plain.test.")])
    }

    @Test func badConfigurationIsAClearError() {
        #expect(throws: DNSError.badResolverAddress("not-an-address")) {
            try DNSResolver(.init(resolver: "not-an-address"))
        }
        #expect(throws: DNSError.badResolverAddress("127.0.0.1@99999")) {
            try DNSResolver(.init(resolver: "127.0.0.1@99999"))
        }
        #expect(throws: DNSError.unreadableTrustAnchor(path: "/nonexistent/anchor")) {
            try DNSResolver(.init(resolver: "127.0.0.60@53", trustAnchorFile: "/nonexistent/anchor"))
        }
    }
}

@Suite struct RDataParserTests {
    @Test func names() {
        #expect(RDataParser.name([4] + Array("mail".utf8) + [4] + Array("test".utf8) + [0])?.0 == "mail.test.")
        #expect(RDataParser.name([0])?.0 == ".")
        #expect(RDataParser.name([5, 65]) == nil, "runs past the data")
        #expect(RDataParser.name([64] + [UInt8](repeating: 65, count: 64) + [0]) == nil, "label too long")
    }

    @Test func records() {
        #expect(RDataParser.mx([0, 10, 1, 0x61, 0]) == MXRecord(preference: 10, exchange: "a."))
        #expect(RDataParser.mx([0, 10, 1, 0x61, 0, 9]) == nil, "trailing bytes")
        #expect(RDataParser.srv([0, 0, 0, 0, 0, 0, 0]) == SRVRecord(priority: 0, weight: 0, port: 0, target: "."))
        #expect(RDataParser.txt([3, 0x61, 0x62, 0x63, 1, 0x64]) == "abcd")
        #expect(RDataParser.txt([5, 0x61]) == nil)
        #expect(RDataParser.tlsa([3, 1, 1, 0xAB]) == TLSARecord(usage: 3, selector: 1, matchingType: 1, data: [0xAB]))
        #expect(RDataParser.a([127, 0, 0, 1]) == "127.0.0.1")
        #expect(RDataParser.aaaa([UInt8](repeating: 0, count: 15) + [1]) == "0:0:0:0:0:0:0:1")
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let bytes = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = RDataParser.mx(bytes)
            _ = RDataParser.srv(bytes)
            _ = RDataParser.txt(bytes)
            _ = RDataParser.tlsa(bytes)
            _ = RDataParser.name(bytes)
        }
    }
}
