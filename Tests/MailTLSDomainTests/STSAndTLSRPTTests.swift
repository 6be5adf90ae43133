import Testing

@testable import MailTLSDomain

@Suite struct STSRecordTests {
    @Test(arguments: [
        ("v=STSv1; id=20160831085700Z;", "20160831085700Z"),
        ("v=STSv1;id=abc123", "abc123"),
        ("  v=STSv1 ; id = x1 ; ext=1", "x1"),
    ])
    func valid(text: String, id: String) {
        #expect((try? STSRecord.parse(text).get())?.id == id)
    }

    @Test(arguments: [
        ("v=spf1 -all", STSRecord.Problem.notSTS),
        ("v=STSv1;", .missingID),
        ("v=STSv1; id=not-alnum!", .badID("not-alnum!")),
        ("v=STSv1; id=\(String(repeating: "a", count: 33))", .badID(String(repeating: "a", count: 33))),
        ("id=1; v=STSv1", .notSTS),
    ])
    func invalid(text: String, problem: STSRecord.Problem) {
        #expect(throws: problem) { try STSRecord.parse(text).get() }
    }
}

@Suite struct STSPolicyTests {
    let valid = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n"

    @Test func validPolicyAndPatterns() throws {
        let policy = try STSPolicy.parse(Array(valid.utf8)).get()
        #expect(policy.mode == .enforce)
        #expect(policy.maxAge == 604_800)
        #expect(policy.allows(mx: "mail.example.com."))
        #expect(policy.allows(mx: "MX1.example.net"))
        #expect(!policy.allows(mx: "a.b.example.net"), "a wildcard covers one label")
        #expect(!policy.allows(mx: "example.net"))
        #expect(!policy.allows(mx: "mail.example.org"))
    }

    @Test func lfLineEndsAndUnknownFields() throws {
        let policy = try STSPolicy.parse(Array("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 86400\nfoo: bar\n".utf8)).get()
        #expect(policy.mode == .testing)
    }

    @Test func modeNoneNeedsNoMX() throws {
        #expect(try STSPolicy.parse(Array("version: STSv1\nmode: none\nmax_age: 0\n".utf8)).get().mode == STSPolicy.Mode.none)
    }

    @Test(arguments: [
        ("mode: enforce\nmx: a.example\nmax_age: 1\n", [STSPolicy.Problem.missingVersion]),
        ("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n", [.badVersion("STSv2")]),
        ("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n", [.badMode("strict")]),
        ("version: STSv1\nmode: enforce\nmax_age: 1\n", [.noMXPatterns]),
        ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 99999999\n", [.maxAgeTooLarge(99_999_999)]),
        ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -5\n", [.badMaxAge("-5")]),
        ("version: STSv1\nmode: enforce\nmx: a.example\n", [.missingMaxAge]),
        ("version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 1\n", [.badMXPattern("*.*.example"), .noMXPatterns]),
        ("<html>not a policy</html>\n", [.malformedLine("<html>not a policy</html>"), .missingVersion, .missingMode,
                                         .missingMaxAge, .noMXPatterns]),
    ])
    func invalidPolicies(text: String, problems: [STSPolicy.Problem]) {
        #expect(throws: STSPolicy.Problems(list: problems)) { try STSPolicy.parse(Array(text.utf8)).get() }
    }

    @Test func oversizedPolicy() {
        let big = [UInt8](repeating: 0x61, count: STSPolicy.maximumBytes + 1)
        #expect(throws: STSPolicy.Problems(list: [.tooLarge(big.count)])) { try STSPolicy.parse(big).get() }
    }
}

@Suite struct TLSRPTRecordTests {
    @Test func validRecord() throws {
        let record = try TLSRPTRecord.parse("v=TLSRPTv1; rua=mailto:tls@example.com,https://report.example.com/v1").get()
        #expect(record.reportURIs == ["mailto:tls@example.com", "https://report.example.com/v1"])
    }

    @Test(arguments: [
        ("v=TLSRPTv2; rua=mailto:a@b", TLSRPTRecord.Problem.notTLSRPT),
        ("v=TLSRPTv1;", .missingRUA),
        ("v=TLSRPTv1; rua=http://insecure.example", .badURI("http://insecure.example")),
        ("v=TLSRPTv1; rua=mailto:nobody", .badURI("mailto:nobody")),
    ])
    func invalidRecords(text: String, problem: TLSRPTRecord.Problem) {
        #expect(throws: problem) { try TLSRPTRecord.parse(text).get() }
    }
}
