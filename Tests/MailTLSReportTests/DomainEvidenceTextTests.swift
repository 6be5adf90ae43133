import MailTLSCheck
import MailTLSCore
import MailTLSDNS
import MailTLSDomain
import MailTLSDomainCheck
import MailTLSEngine
import MailTLSWeb
import Testing

@testable import MailTLSReport

/// Domain evidence is typed: each language is made from the same value; records and replies stay as they were.
@Suite struct DomainEvidenceTextTests {
    @Test(arguments: [
        (DomainEvidence.fact(.noSTARTTLSInEHLO), "no STARTTLS in EHLO", "EHLO の応答に STARTTLS なし"),
        (.fact(.noTLSA(at: "_25._tcp.mx.example.test", zoneSigned: false)),
         "no TLSA at _25._tcp.mx.example.test; the zone is not DNSSEC-signed",
         "_25._tcp.mx.example.test に TLSA レコードなし（ゾーンが DNSSEC で署名されていません）"),
        (.fact(.tlsaElsewhere(protected: ["mx1.example.test"], missingAt: "_25._tcp.mx2.example.test")),
         "TLSA for mx1.example.test; none at _25._tcp.mx2.example.test",
         "TLSA レコードは mx1.example.test にあり、_25._tcp.mx2.example.test にはなし"),
        (.fact(.redirect(status: 301, location: "https://elsewhere.example.test/")),
         "HTTP 301 -> https://elsewhere.example.test/ (redirects are not followed)",
         "HTTP 301 -> https://elsewhere.example.test/（リダイレクトはたどりません）"),
        (.stsPolicy([.maxAgeTooLarge(999_999_999), .noMXPatterns]), "max_age 999999999 is over 31557600; no mx",
         "max_age 999999999 が上限 31557600 を超えています; mx がありません"),
        (.stsRecord(record: "v=STSv1; id=bad!", .badID("bad!")),
         "v=STSv1; id=bad! (id \"bad!\" is not 1 to 32 letters or digits)",
         "v=STSv1; id=bad!（id「bad!」が 1〜32 文字の英数字ではありません）"),
        (.tlsrptRecord(record: "v=TLSRPTv1; rua=ftp://x", .badURI("ftp://x")),
         "v=TLSRPTv1; rua=ftp://x (rua \"ftp://x\" is neither mailto: nor https:)",
         "v=TLSRPTv1; rua=ftp://x（rua「ftp://x」が mailto: でも https: でもありません）"),
        (.dane(.nameMissing("mx.example.test")), "DANE-TA record matches, but the certificate does not name mx.example.test",
         "DANE-TA レコードは一致しますが、証明書の名前に mx.example.test が含まれていません"),
        (.address(.noAddressRecord), "no A or AAAA record", "A/AAAA レコードなし"),
        (.web(.timeout(seconds: 5)), "no answer within 5 s", "5 秒以内に応答なし"),
        (.failure(.connectTimeout(seconds: 2)), "no answer to TCP connect within 2 s", "2 秒以内に TCP 接続の応答なし"),
        (.trust(.selfSigned, issuer: "CN=mx"), "self-signed: CN=mx", "自己署名証明書: CN=mx"),
        (.data("EHLO: \"PIPELINING SIZE\""), "EHLO: \"PIPELINING SIZE\"", "EHLO: \"PIPELINING SIZE\""),
    ])
    func bothLanguagesFromOneValue(evidence: DomainEvidence, english: String, japanese: String) {
        #expect(evidence.english == english)
        #expect(DomainEvidenceText.render(evidence, .en) == english)
        #expect(DomainEvidenceText.render(evidence, .ja) == japanese)
    }

    /// An MX that does not answer shows why in words, never the engine error's Swift spelling.
    @Test func anUnreachableMXIsWordedNotDumped() {
        var port = PortObservation(spec: PortSpec(port: 25, mailProtocol: .smtp, mode: .startTLS), address: "192.0.2.1")
        port.state = .filtered
        port.failure = .connectTimeout(seconds: 2)
        let host = MXHostObservation(name: "mx.example.test", preference: 10,
                                     addresses: [MXAddressObservation(address: "192.0.2.1", port: port, dane: .noRecords)])
        let domain = DomainObservation(domain: "example.test", mx: MXLookup(records: [], status: .insecure),
                                       hosts: [host], sts: STSObservation(policyURL: "https://mta-sts.example.test/.well-known/mta-sts.txt"),
                                       tlsrpt: TLSRPTObservation())
        let finding = MXTransportCheck().findings(for: domain).first
        #expect(finding?.id == .mxUnreachable)
        #expect(finding?.evidence.english == "no answer to TCP connect within 2 s")
    }
}
