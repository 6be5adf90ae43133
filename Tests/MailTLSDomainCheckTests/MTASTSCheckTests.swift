import MailTLSCheck
import MailTLSDNS
import Testing

@testable import MailTLSDomain
@testable import MailTLSDomainCheck
@testable import MailTLSWeb

/// The MTA-STS rules on observations built by hand: what the mode and max_age mean, and which MX hosts are covered.
@Suite struct MTASTSCheckTests {
    func observation(policy text: String, hosts: [String]) -> DomainObservation {
        var sts = STSObservation(policyURL: "https://mta-sts.example.test/.well-known/mta-sts.txt")
        sts.records = ["v=STSv1; id=1;"]
        sts.record = try? STSRecord.parse("v=STSv1; id=1;").get()
        sts.response = HTTPSFetcher.Response(url: sts.policyURL, address: "192.0.2.1", status: 200,
                                             mediaType: "text/plain", contentType: "text/plain", location: nil,
                                             body: Array(text.utf8))
        switch STSPolicy.parse(Array(text.utf8)) {
        case .success(let policy): sts.policy = policy
        case .failure(let problems): sts.policyProblems = problems.list
        }
        let observed = hosts.map { name in
            MXHostObservation(name: name, preference: 10, listedInSTSPolicy: sts.policy?.allows(mx: name))
        }
        return DomainObservation(domain: "example.test",
                                 mx: MXLookup(records: hosts.map { MXRecord(preference: 10, exchange: $0) },
                                              status: .secure),
                                 hosts: observed, sts: sts, tlsrpt: TLSRPTObservation())
    }

    @Test(arguments: [(3600, true), (86399, true), (86400, false), (604800, false)])
    func aShortMaxAgeIsNoted(maxAge: Int, noted: Bool) {
        let domain = observation(policy: "version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: \(maxAge)\n",
                                 hosts: ["mx.example.test"])
        let findings = MTASTSCheck().findings(for: domain)
        #expect(findings.contains { $0.id == .stsMaxAgeShort } == noted, "\(findings)")
        #expect(findings.allSatisfy { $0.severity == .info })
    }

    @Test func modeDecidesHowMuchAnUnlistedMXMatters() {
        let enforce = observation(policy: "version: STSv1\nmode: enforce\nmx: *.example.test\nmax_age: 604800\n",
                                  hosts: ["mx1.example.test", "mx.other.test", "a.b.example.test"])
        let findings = MTASTSCheck().findings(for: enforce).filter { $0.id == .stsMXNotListed }
        #expect(findings.map(\.subjects) == [["mx.other.test"], ["a.b.example.test"]], "a wildcard covers one label")
        #expect(findings.allSatisfy { $0.severity == .critical })
        let testing = observation(policy: "version: STSv1\nmode: testing\nmx: mx1.example.test\nmax_age: 604800\n",
                                  hosts: ["mx2.example.test"])
        let relaxed = MTASTSCheck().findings(for: testing)
        #expect(relaxed.first { $0.id == .stsMXNotListed }?.severity == .warning)
        #expect(relaxed.contains { $0.id == .stsModeTesting })
        let none = observation(policy: "version: STSv1\nmode: none\nmax_age: 60\n", hosts: ["mx2.example.test"])
        #expect(MTASTSCheck().findings(for: none).map(\.id) == [.stsModeNone], "mode none checks nothing else")
    }
}
