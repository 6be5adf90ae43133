import Foundation
import Testing

/// `mailtls domain` as a user runs it: JSON against docs/domain-report.schema.json, Nagios exit codes, both
/// languages, one clear line for bad input.
@Suite struct DomainCommandLineTests {
    func domain(_ name: String, _ extra: [String] = [], language: String = "C") async throws
        -> ProcessRunner.Result {
        let internet = try Internet.get()
        return await Tool.mailtls(["domain", name] + internet.options + ["--timeout", "10"] + extra,
                                  environment: ["LANG": language, "LC_ALL": language], timeout: 90)
    }

    func validate(_ json: String) async -> ProcessRunner.Result {
        await Tool.validate(json: json, schema: "domain-report.schema.json")
    }

    @Test(arguments: [("good.mailtls.test", Int32(0)), ("nostarttls.mailtls.test", 1), ("dane-bad.mailtls.test", 2),
                      ("sts-type.mailtls.test", 2), ("bogus.test", 2), ("nullmx.mailtls.test", 0)])
    func jsonMatchesTheSchemaAndExitCodesFollowNagios(name: String, exitCode: Int32) async throws {
        let result = try await domain(name, ["--json"])
        #expect(result.status == exitCode, "stderr: \(result.stderr)")
        let validation = await validate(result.stdout)
        #expect(validation.status == 0, "schema: \(validation.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["domain"] as? String == name)
        #expect(document["exitCode"] as? Int == Int(exitCode))
    }

    @Test func jsonOfAWellProtectedDomain() async throws {
        let result = try await domain("good.mailtls.test", ["--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let mx = try #require(document["mx"] as? [String: Any])
        #expect(mx["dnssec"] as? String == "secure")
        let host = try #require((mx["hosts"] as? [[String: Any]])?.first)
        #expect(host["name"] as? String == "mail.mailtls.test")
        #expect(host["listedInSTSPolicy"] as? Bool == true)
        let tlsa = try #require(host["tlsa"] as? [String: Any])
        #expect((tlsa["records"] as? [String])?.contains { $0.hasPrefix("3 1 1 ") } == true)
        let address = try #require((host["addresses"] as? [[String: Any]])?.first)
        #expect(address["dane"] as? String == "valid")
        let port = try #require(address["port"] as? [String: Any])
        #expect(port["startTLS"] as? String == "accepted")
        #expect((port["tls"] as? [String: Any])?["serverName"] as? String == "mail.mailtls.test")
        let sts = try #require(document["mtaSTS"] as? [String: Any])
        #expect(sts["mode"] as? String == "enforce")
        #expect(sts["httpStatus"] as? Int == 200)
        #expect((document["findings"] as? [Any])?.isEmpty == true)
    }

    @Test func theReportInBothLanguages() async throws {
        let english = try await domain("sts-mismatch.mailtls.test", ["--no-color"])
        #expect(english.status == 2)
        #expect(english.stdout.contains("sts-mx-not-listed"))
        #expect(english.stdout.contains("is not covered by the MTA-STS policy"))
        #expect(english.stdout.contains("mail.mailtls.test"))
        #expect(english.stdout.contains("deliver only to listed MX hosts"))
        let japanese = try await domain("sts-mismatch.mailtls.test", ["--no-color"], language: "ja_JP.UTF-8")
        #expect(japanese.status == 2)
        #expect(japanese.stdout.contains("MTA-STS ポリシーの対象外です"))
        #expect(japanese.stdout.contains("対処"))
        #expect(!japanese.stdout.contains("is not covered"))
    }

    @Test(arguments: [
        (["domain", "not a domain"], "is not a domain name"),
        (["domain", "no-such-domain.mailtls.test"], "does not exist in DNS"),
        (["domain", "good.mailtls.test", "--resolver", "300.1.1.1"], "Bad resolver address"),
        (["domain", "good.mailtls.test", "--ca-file", "/nonexistent/ca.pem"], "Cannot read the CA file"),
    ])
    func badInputIsOneLineAndExit3(arguments: [String], message: String) async throws {
        let internet = try Internet.get()
        var full = arguments
        if !arguments.contains("--resolver") { full += ["--resolver", internet.resolverAddress] }
        full += ["--trust-anchor", internet.anchors]
        let result = await Tool.mailtls(full, environment: ["LANG": "C"], timeout: 60)
        #expect(result.status == 3, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
