import Foundation
import Testing
@testable import MailTLSCore

/// Loads `Fixtures/<name>.txt`, checks and strips its `# source:` first line.
func loadFixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("ReceivedFixtures")
        .appendingPathComponent(name + ".txt")
    var bytes = [UInt8](try Data(contentsOf: url))
    let prefix = Array("# source: ".utf8)
    #expect(Array(bytes.prefix(prefix.count)) == prefix, "fixture \(name) must start with a # source: line")
    if let newline = bytes.firstIndex(of: 0x0A) { bytes.removeSubrange(0...newline) }
    return bytes
}

let fixtureNames = [
    "dovecot-lmtp-exchange-onprem", "exchange-online-tls12-mapi", "exchange-onprem-tls-mapi",
    "exim-gnutls-tls12-local", "exim-openssl-horde-https", "exim-tls13", "gmail-esmtpsa-postfix-tls13",
    "gmail-groups-tls13", "gmail-utf8smtpsa", "ibm-gateway-pphosted", "postfix-esmtpsa-helo-localhost",
    "postfix-plain-esmtp-esmtpa", "postfix-tls13-from-userid", "qmail-tls-exim", "sendmail-esmtp-tls-submit-horde",
    "sendmail-squirrelmail-http", "sendmail-tls12-exchange",
]

/// What a fixture's hop list must look like, in travel order (first hop = bottom Received header).
struct FixtureExpectation: Sendable, CustomStringConvertible {
    typealias E = ReceivedHop.Encryption
    struct Hop: Sendable {
        var encryption: E
        var tls: String?
    }
    struct Detail: Sendable {
        var index: Int
        var from: String?
        var fromAddress: String?
        var by: String?
        var with: String?
        var cipher: String? = nil
    }
    var name: String
    var hops: [Hop]
    var details: [Detail]
    var description: String { name }
}

private func h(_ e: ReceivedHop.Encryption, _ tls: String? = nil) -> FixtureExpectation.Hop { .init(encryption: e, tls: tls) }

let fixtureExpectations: [FixtureExpectation] = [
    // Gmail submission (ESMTPSA, version=TLS1_3) and Google's MX for Groups (gmr-mx.google.com, ESMTPS, TLS1_3).
    .init(name: "gmail-groups-tls13",
          hops: [h(.encrypted, "TLSv1.3"), h(.unknown), h(.encrypted, "TLSv1.3"), h(.unknown), h(.unknown), h(.encrypted)],
          details: [
            .init(index: 0, from: "localhost", fromAddress: "2a03:2880:31ff:78::face:b00c", by: "smtp.gmail.com",
                  with: "ESMTPSA", cipher: "TLS_AES_256_GCM_SHA384"),
            .init(index: 2, from: "mail-ej1-f47.google.com", fromAddress: "209.85.218.47", by: "gmr-mx.google.com",
                  with: "ESMTPS", cipher: "TLS_AES_128_GCM_SHA256"),
            .init(index: 3, from: nil, fromAddress: nil, by: "2002:a05:6512:214f:b0:4c8:8384:83f3", with: "SMTP"),
          ]),
    .init(name: "gmail-esmtpsa-postfix-tls13",
          hops: [h(.encrypted, "TLSv1.3"), h(.unknown), h(.encrypted, "TLSv1.3"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: "[192.168.1.20]", fromAddress: "178.197.219.137", by: "smtp.gmail.com", with: "ESMTPSA"),
            .init(index: 2, from: "mail-lj1-x234.google.com", fromAddress: "2a00:1450:4864:20::234",
                  by: "lists.ozlabs.org", with: "ESMTPS", cipher: "TLS_AES_256_GCM_SHA384"),
            .init(index: 3, from: "boromir.ozlabs.org", fromAddress: "::1", by: "lists.ozlabs.org", with: "ESMTP"),
          ]),
    .init(name: "gmail-utf8smtpsa",
          hops: [h(.encrypted, "TLSv1.3"), h(.unknown), h(.encrypted, "TLSv1.3"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: "localhost", fromAddress: "196.207.164.177", by: "smtp.gmail.com", with: "UTF8SMTPSA"),
            .init(index: 3, from: "boromir.ozlabs.org", fromAddress: "127.0.0.1", by: "lists.ozlabs.org", with: "ESMTP"),
          ]),
    // Microsoft 365 / Exchange Online.
    .init(name: "exchange-online-tls12-mapi",
          hops: [h(.local), h(.encrypted, "TLSv1.2"), h(.encrypted, "TLSv1.2"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: "HK0PR06MB3380.apcprd06.prod.outlook.com", fromAddress: "fe80::6def:b61:3beb:f3d5",
                  by: "HK0PR06MB3380.apcprd06.prod.outlook.com", with: "mapi"),
            .init(index: 1, from: "HK0PR06MB3380.apcprd06.prod.outlook.com", fromAddress: "2603:1096:203:82::18",
                  by: "HK0PR06MB2338.apcprd06.prod.outlook.com", with: "Microsoft SMTP Server",
                  cipher: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
            .init(index: 2, from: "APC01-SG2-obe.outbound.protection.outlook.com", fromAddress: "40.107.131.94",
                  by: "lists.ozlabs.org", with: "ESMTPS", cipher: "ECDHE-RSA-AES256-GCM-SHA384"),
          ]),
    // On-premises Exchange: "with Microsoft SMTP Server (TLS)" carries no version.
    .init(name: "exchange-onprem-tls-mapi",
          hops: [h(.local), h(.encrypted), h(.encrypted, "TLSv1.2"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 1, from: "becas.av.it.pt", fromAddress: "192.168.86.20", by: "lecas.av.it.pt",
                  with: "Microsoft SMTP Server"),
            .init(index: 3, from: "[::1]", fromAddress: "::1", by: "mm2.emwd.com", with: "esmtp"),
          ]),
    // Exim 4.95: "with esmtpsa (TLS1.3) tls TLS_AES_128_GCM_SHA256" and "with esmtps (TLS1.3) tls ...".
    .init(name: "exim-tls13",
          hops: [h(.encrypted, "TLSv1.3"), h(.encrypted, "TLSv1.3"), h(.encrypted, "TLSv1.3"), h(.unknown), h(.unknown),
                 h(.encrypted)],
          details: [
            .init(index: 0, from: "dynamic-089-012-154-190.89.12.pool.telefonica.de", fromAddress: "89.12.154.190",
                  by: "inpost2.zedat.fu-berlin.de", with: "esmtpsa", cipher: "TLS_AES_128_GCM_SHA256"),
            .init(index: 1, from: "inpost2.zedat.fu-berlin.de", fromAddress: "130.133.4.69",
                  by: "outpost.zedat.fu-berlin.de", with: "esmtps", cipher: "TLS_AES_256_GCM_SHA384"),
          ]),
    // Exim 4.89 local submission ("with local"), Exim 4.92 GnuTLS "(TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256)".
    .init(name: "exim-gnutls-tls12-local",
          hops: [h(.local), h(.encrypted, "TLSv1.2"), h(.encrypted, "TLSv1.3"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: "mfe", fromAddress: nil, by: "pty.hi.pengutronix.de", with: "local"),
            .init(index: 1, from: "pty.hi.pengutronix.de", fromAddress: "2001:67c:670:100:1d::c5",
                  by: "metis.ext.pengutronix.de", with: "esmtps", cipher: "ECDHE_RSA_AES_256_GCM_SHA384"),
          ]),
    // Horde webmail over HTTPS, Postfix ESMTPSA with TLSv1.2, Exim 4.92 OpenSSL "(TLSv1.2:AECDH-AES256-SHA:256)".
    .init(name: "exim-openssl-horde-https",
          hops: [h(.encrypted), h(.encrypted, "TLSv1.2"), h(.encrypted, "TLSv1.2"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: "[192.168.5.80]", fromAddress: "192.168.5.80", by: "r-mail.iap-kborn.de", with: "HTTPS"),
            .init(index: 2, from: "ikarus.iap-kborn.de", fromAddress: "192.108.71.125", by: "mm2.emwd.com",
                  with: "esmtps", cipher: "AECDH-AES256-SHA"),
          ]),
    // Postfix pickup ("from userid"), Postfix "(using TLSv1.3 with cipher ...)".
    .init(name: "postfix-tls13-from-userid",
          hops: [h(.local), h(.encrypted, "TLSv1.3"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: nil, fromAddress: nil, by: "codeconstruct.com.au", with: nil),
            .init(index: 1, from: "codeconstruct.com.au", fromAddress: "203.29.241.158", by: "lists.ozlabs.org",
                  with: "ESMTPS", cipher: "TLS_AES_256_GCM_SHA384"),
          ]),
    // Postfix without TLS from a remote host, and ESMTPA (authenticated, not encrypted).
    .init(name: "postfix-plain-esmtp-esmtpa",
          hops: [h(.unencrypted), h(.unencrypted), h(.unencrypted), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: "usa.arm.com", fromAddress: "10.1.197.49", by: "usa-sjc-imap-foss1.foss.arm.com",
                  with: "ESMTPA"),
            .init(index: 2, from: "foss.arm.com", fromAddress: "217.140.110.172", by: "lists.ozlabs.org", with: "ESMTP"),
          ]),
    // Postfix ESMTPSA without a TLS clause, HELO "localhost" from a remote address.
    .init(name: "postfix-esmtpsa-helo-localhost",
          hops: [h(.encrypted), h(.unencrypted), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: "localhost", fromAddress: "84.179.48.235", by: "pokefinder.org", with: "ESMTPSA"),
            .init(index: 1, from: "pokefinder.org", fromAddress: "88.99.104.3", by: "lists.ozlabs.org", with: "ESMTP"),
          ]),
    // Sendmail 8.15.2 "with ESMTPS ... (version=TLSv1.2 ...)" and plain "with ESMTP", Exchange TLS1_2.
    .init(name: "sendmail-tls12-exchange",
          hops: [h(.unencrypted), h(.encrypted, "TLSv1.2"), h(.encrypted, "TLSv1.2"), h(.encrypted, "TLSv1.2"),
                 h(.unencrypted), h(.encrypted, "TLSv1.2"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: "[10.250.234.171]", fromAddress: "10.180.69.5", by: "lelv0326.itg.ti.com", with: "ESMTP"),
            .init(index: 3, from: "DFLE111.ent.ti.com", fromAddress: "10.64.6.32", by: "lelv0265.itg.ti.com",
                  with: "ESMTPS", cipher: "AES256-GCM-SHA384"),
            .init(index: 4, from: "lelv0265.itg.ti.com", fromAddress: "10.180.67.224", by: "lelv0143.ext.ti.com",
                  with: "ESMTP"),
          ]),
    // Sendmail 8.14.7 writes "with ESMTP" over TLS (version=TLSv1/SSLv3: encrypted, version unknown);
    // Sendmail /Submit local submission; Horde HTTPS.
    .init(name: "sendmail-esmtp-tls-submit-horde",
          hops: [h(.encrypted), h(.local), h(.unencrypted), h(.encrypted), h(.unencrypted), h(.encrypted),
                 h(.encrypted, "TLSv1.2"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 1, from: nil, fromAddress: nil, by: "wm1.cc.upv.es", with: nil),
            .init(index: 3, from: "wm1.cc.upv.es", fromAddress: "158.42.249.56", by: "smtp.upv.es", with: "ESMTP",
                  cipher: "ECDHE-RSA-AES256-GCM-SHA384"),
            .init(index: 6, from: "smtpsalv.cc.upv.es", fromAddress: "158.42.249.11", by: "mm2.emwd.com",
                  with: "esmtps", cipher: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
          ]),
    // SquirrelMail over plain HTTP; Sendmail 8.16 ESMTPSA with version=TLSv1.2.
    .init(name: "sendmail-squirrelmail-http",
          hops: [h(.unencrypted), h(.encrypted, "TLSv1.2"), h(.encrypted, "TLSv1.2"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: "5.147.6.249", fromAddress: "5.147.6.249", by: "webmail.tu-dortmund.de", with: "HTTP"),
            .init(index: 1, from: "webmail.tu-dortmund.de", fromAddress: "129.217.131.82", by: "unimail.uni-dortmund.de",
                  with: "ESMTPSA", cipher: "ECDHE-RSA-AES128-GCM-SHA256"),
          ]),
    // Dovecot LMTP over a UNIX socket (no address), Exchange without TLS, Postfix TLSv1.2.
    .init(name: "dovecot-lmtp-exchange-onprem",
          hops: [h(.unencrypted), h(.encrypted, "TLSv1.2"), h(.encrypted, "TLSv1.2"), h(.unencrypted), h(.encrypted), h(.local)],
          details: [
            .init(index: 0, from: "[127.0.1.1]", fromAddress: "192.168.10.13", by: "TWMBX01.aspeed.com",
                  with: "Microsoft SMTP Server"),
            .init(index: 5, from: "mail.lfdr.de", fromAddress: nil, by: "mail.lfdr.de", with: "LMTP"),
          ]),
    // qmail with the TLS patch, qmail local injection, Exim 4.93 "(TLS1.2) tls ...".
    .init(name: "qmail-tls-exim",
          hops: [h(.encrypted), h(.local), h(.encrypted, "TLSv1.2"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 0, from: "unknown", fromAddress: "73.251.10.143", by: "mail.geekisp.com", with: "SMTP",
                  cipher: "ECDHE-RSA-AES128-GCM-SHA256"),
            .init(index: 1, from: nil, fromAddress: nil, by: nil, with: nil),
          ]),
    // IBM gateway ("with IBM ESMTP SMTP Gateway: ..."), Sendmail 8.14.9, Proofpoint "with ESMTP (version=TLSv1.2 ...)".
    .init(name: "ibm-gateway-pphosted",
          hops: [h(.unencrypted), h(.unencrypted), h(.unencrypted), h(.unencrypted), h(.encrypted), h(.encrypted), h(.local),
                 h(.encrypted, "TLSv1.2"), h(.unencrypted), h(.encrypted, "TLSv1.2"), h(.unencrypted), h(.encrypted)],
          details: [
            .init(index: 5, from: "b06avi18878370.portsmouth.uk.ibm.com", fromAddress: "9.149.26.194",
                  by: "e06smtp02.uk.ibm.com", with: "IBM", cipher: "AES256-GCM-SHA384"),
            .init(index: 6, from: "localhost", fromAddress: nil, by: "e06smtp02.uk.ibm.com", with: "IBM"),
            .init(index: 7, from: "e06smtp02.uk.ibm.com", fromAddress: "195.75.94.98", by: "mx0a-001b2d01.pphosted.com",
                  with: "ESMTP", cipher: "AES256-GCM-SHA384"),
          ]),
]

@Suite struct FixtureTests {
    @Test func everyFixtureHasAnExpectation() {
        #expect(Set(fixtureNames) == Set(fixtureExpectations.map(\.name)))
    }

    @Test(arguments: fixtureExpectations)
    func fixture(_ expected: FixtureExpectation) throws {
        let bytes = try loadFixture(expected.name)
        let fields = MessageHeaders.parse(bytes)
        let hops = ReceivedChain.hops(in: fields)
        #expect(hops.count == expected.hops.count)
        for (i, (hop, want)) in zip(hops, expected.hops).enumerated() {
            #expect(hop.encryption == want.encryption, "hop \(i): \(hop.raw)")
            #expect(hop.tlsVersion == want.tls, "hop \(i): \(hop.raw)")
            #expect(hop.date != nil, "hop \(i) date: \(hop.raw)")
        }
        for d in expected.details {
            guard d.index < hops.count else {
                Issue.record("missing hop \(d.index)")
                continue
            }
            let hop = hops[d.index]
            #expect(hop.from == d.from, "hop \(d.index)")
            #expect(hop.fromAddress == d.fromAddress, "hop \(d.index)")
            #expect(hop.by == d.by, "hop \(d.index)")
            #expect(hop.with == d.with, "hop \(d.index)")
            if let cipher = d.cipher { #expect(hop.cipher == cipher, "hop \(d.index)") }
        }
        // Dates are non-decreasing along the path up to small clock skew (10 minutes), except where a queue
        // held the message; here every fixture travelled within minutes, so check ordering loosely.
        let dates = hops.compactMap(\.date)
        if let first = dates.first, let last = dates.last {
            #expect(last.timeIntervalSince(first) > -600)
            #expect(last.timeIntervalSince(first) < 86_400)
        }
    }

    @Test(arguments: fixtureNames)
    func crlfGivesSameResult(_ name: String) throws {
        let lf = try loadFixture(name)
        var crlf: [UInt8] = []
        crlf.reserveCapacity(lf.count + lf.count / 20)
        for b in lf {
            if b == 0x0A { crlf.append(0x0D) }
            crlf.append(b)
        }
        let a = MessageHeaders.parse(lf)
        let b = MessageHeaders.parse(crlf)
        #expect(a == b)
        #expect(ReceivedChain.hops(in: a) == ReceivedChain.hops(in: b))
    }

    @Test func fixtureBodyIsNotParsed() throws {
        // The header block ends at the first empty line; anything after it is body.
        var bytes = try loadFixture("postfix-plain-esmtp-esmtpa")
        let before = MessageHeaders.parse(bytes)
        bytes += Array("\nReceived: from body.example (body.example [192.0.2.1]) by x with SMTP; 1 Jan 2024 00:00:00 +0000\n".utf8)
        #expect(MessageHeaders.parse(bytes) == before)
    }
}
