import MailTLSDNS
import TestSupport
import Testing

@testable import MailTLSDomain

/// Hostile DNS and HTTP content: random and mutated records and policies never crash, and whatever is accepted is
/// valid by construction.
@Suite struct DomainParserFuzzTests {
    static let policy = Array("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n".utf8)
    static let records = ["v=STSv1; id=20261129T000000;", "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example/x"]

    static func mutate(_ input: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...8, using: &generator) {
            guard !bytes.isEmpty else { break }
            let index = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
            case 1: bytes.remove(at: index)
            case 2: bytes.insert(contentsOf: [0x3A, 0x0D, 0x0A, 0x2A, 0x2E, 0x3B, 0x3D][...].shuffled(using: &generator).prefix(2), at: index)
            default: bytes += bytes[index...].prefix(16)
            }
        }
        return bytes
    }

    @Test func policiesNeverCrashAndAcceptedOnesAreValid() {
        var generator = SeededGenerator(state: 0x6D74_6173_7473)
        for round in 0..<3000 {
            let input = round % 3 == 0
                ? (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                : Self.mutate(Self.policy, using: &generator)
            if case .success(let policy) = STSPolicy.parse(input) {
                #expect(policy.maxAge >= 0 && policy.maxAge <= STSPolicy.maximumMaxAge)
                #expect(policy.mode == .none || !policy.mxPatterns.isEmpty)
                #expect(policy.mxPatterns.allSatisfy(MXPattern.isValid))
            }
        }
    }

    @Test func recordsNeverCrashAndAcceptedOnesAreValid() {
        var generator = SeededGenerator(state: 0x746C_7372_7074)
        for round in 0..<3000 {
            let seed = Array(Self.records[round % 2].utf8)
            let text = String(decoding: Self.mutate(seed, using: &generator), as: UTF8.self)
            if case .success(let record) = STSRecord.parse(text) {
                #expect((1...32).contains(record.id.count))
            }
            if case .success(let record) = TLSRPTRecord.parse(text) {
                #expect(!record.reportURIs.isEmpty)
                #expect(record.reportURIs.allSatisfy { $0.lowercased().hasPrefix("mailto:") || $0.lowercased().hasPrefix("https://") })
            }
        }
    }

    @Test func certificateReadersNeverCrashOnGarbage() {
        var generator = SeededGenerator(state: 0x7370_6B69)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = SubjectPublicKeyInfoReader.bytes(ofCertificate: [0x30, 0x82] + bytes)
            let record = TLSARecord(usage: 3, selector: UInt8.random(in: 0...2, using: &generator),
                                    matchingType: UInt8.random(in: 0...3, using: &generator), data: bytes)
            _ = TLSAMatcher.apply([record], toChain: [bytes])
        }
    }
}
