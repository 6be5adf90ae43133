import Foundation
import Testing

/// `mailtls check NAME --resolver ADDRESS@PORT`: the host is looked up in the DNS lab's zone (mail.mailtls.test is
/// 127.0.0.1 there), so the certificate is checked against the name the user typed and sent as SNI.
@Suite struct CheckWithResolverTests {
    static let dnsLab: Result<Void, LabError> = {
        let script = Lab.packageRoot.appendingPathComponent("Tests/MailTLSDNSTests/Fixtures/dns-lab.sh").path
        let result = ProcessRunner.run("/bin/bash", [script, "up"], timeout: 120)
        return result.status == 0 ? .success(()) : .failure(LabError(message: "dns-lab.sh up: \(result.stderr)"))
    }()

    @Test func nameResolvedThroughTheGivenResolver() throws {
        let lab = try Lab.get()
        try Self.dnsLab.get()
        let result = ProcessRunner.run(ProcessRunner.mailtlsBinary, [
            "check", "mail.mailtls.test", "--resolver", "127.0.0.60@53", "--ca-file", lab.caFile, "--ports", "587,993",
            "--json",
        ], timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["address"] as? String == "127.0.0.1")
        #expect(document["checkedName"] as? String == "mail.mailtls.test")
        let ports = try #require(document["ports"] as? [[String: Any]])
        for port in ports {
            let tls = try #require(port["tls"] as? [String: Any])
            #expect(tls["serverName"] as? String == "mail.mailtls.test")
            #expect((port["certificate"] as? [String: Any])?["hostnameMatches"] as? Bool == true)
        }
    }

    @Test func unknownNameAndBadResolverAreExit3() throws {
        try Self.dnsLab.get()
        let missing = ProcessRunner.run(ProcessRunner.mailtlsBinary,
                                        ["check", "nothing.mailtls.test", "--resolver", "127.0.0.60@53"], timeout: 30)
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("Cannot resolve host 'nothing.mailtls.test'"))
        #expect(missing.seconds < 5, "NXDOMAIN answers at once")
        let bad = ProcessRunner.run(ProcessRunner.mailtlsBinary,
                                    ["check", "mail.mailtls.test", "--resolver", "not-an-ip"], timeout: 30)
        #expect(bad.status == 3)
        #expect(bad.stderr.contains("Bad resolver address 'not-an-ip'"))
    }
}
