import Foundation
import Testing
@testable import MailTLSCore

/// One Received value and what `ReceivedChain.hop` must report for it.
struct PatternCase: Sendable, CustomStringConvertible {
    var label: String
    var value: String
    var encryption: ReceivedHop.Encryption
    /// Always checked: nil means the hop must report no TLS version.
    var tls: String? = nil
    var cipher: Expect = .skip
    var with: Expect = .skip
    var from: Expect = .skip
    var fromAddress: Expect = .skip
    var by: Expect = .skip
    var description: String { label }
}

/// An optional expectation: omitted = not checked, a string literal = must equal, `nil` = must be nil.
enum Expect: Sendable, ExpressibleByStringLiteral, ExpressibleByNilLiteral {
    case skip
    case value(String?)
    init(stringLiteral s: String) { self = .value(s) }
    init(nilLiteral: ()) { self = .value(nil) }

    func check(_ actual: String?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if case .value(let wanted) = self {
            #expect(actual == wanted, "\(what)", sourceLocation: sourceLocation)
        }
    }
}

// Values are real Received headers (unfolded) from public mail archives and other public material found with
// the search tools, unless the label says "synthetic".
let patternCases: [PatternCase] = [
    // RFC 3848 keywords.
    .init(label: "ESMTPS Postfix, no TLS clause",
          value: "from lists.ozlabs.org (lists.ozlabs.org [112.213.38.117]) by mail.lfdr.de (Postfix) with ESMTPS id 35267736C9A for <lists+linux-aspeed@lfdr.de>; Fri, 10 Jul 2026 04:51:56 +0200 (CEST)",
          encryption: .encrypted, with: "ESMTPS", from: "lists.ozlabs.org", fromAddress: "112.213.38.117", by: "mail.lfdr.de"),
    .init(label: "ESMTPSA with HELO localhost from a remote address",
          value: "from localhost (p54B330EB.dip0.t-ipconnect.de [84.179.48.235]) by pokefinder.org (Postfix) with ESMTPSA id 3F6972C08B2; Wed, 29 Apr 2020 09:53:59 +0200 (CEST)",
          encryption: .encrypted, with: "ESMTPSA", from: "localhost", fromAddress: "84.179.48.235"),
    .init(label: "ESMTPA is authenticated, not encrypted",
          value: "from usa.arm.com (e103737-lin.cambridge.arm.com [10.1.197.49]) by usa-sjc-imap-foss1.foss.arm.com (Postfix) with ESMTPA id 2A1463F73D; Tue, 8 Jun 2021 15:02:54 -0700 (PDT)",
          encryption: .unencrypted, with: "ESMTPA"),
    .init(label: "UTF8SMTPS (RFC 6531)",
          value: "from m43-7.mailgun.net (m43-7.mailgun.net [69.72.43.7]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256) (No client certificate requested) by lists.ozlabs.org (Postfix) with UTF8SMTPS id 4HzYvW2ByRz2xKJ for <linux-aspeed@lists.ozlabs.org>; Wed, 24 Nov 2021 19:24:22 +1100 (AEDT)",
          encryption: .encrypted, tls: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", with: "UTF8SMTPS"),
    .init(label: "LMTPS, synthetic",
          value: "from mx1.example.org ([192.0.2.10]) by store.example.org with LMTPS id abc; Mon, 21 Sep 2026 10:00:01 +0000",
          encryption: .encrypted, with: "LMTPS"),
    .init(label: "lmtpsa lower case, synthetic",
          value: "from mx1.example.org ([192.0.2.10]) by store.example.org with lmtpsa id abc; Mon, 21 Sep 2026 10:00:01 +0000",
          encryption: .encrypted, with: "lmtpsa"),

    // Postfix "(using ...)".
    .init(label: "Postfix TLSv1.3",
          value: "from mail-lj1-x234.google.com (mail-lj1-x234.google.com [IPv6:2a00:1450:4864:20::234]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256) (No client certificate requested) by lists.ozlabs.org (Postfix) with ESMTPS id 4WHgXz3nSQz30Wl for <linux-aspeed@lists.ozlabs.org>; Mon, 8 Jul 2024 20:37:04 +1000 (AEST)",
          encryption: .encrypted, tls: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", with: "ESMTPS",
          from: "mail-lj1-x234.google.com", fromAddress: "2a00:1450:4864:20::234", by: "lists.ozlabs.org"),
    .init(label: "Postfix TLSv1 with ESMTP keyword",
          value: "from krank (oden.vtab.com [62.20.90.195]) (using TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)) (No client certificate requested) by mail.lysator.liu.se (Postfix) with ESMTP id C5ABC200A1E8; Fri, 14 Dec 2007 11:59:30 +0100 (CET)",
          encryption: .encrypted, tls: "TLSv1.0", cipher: "DHE-RSA-AES256-SHA", with: "ESMTP"),
    .init(label: "Postfix ESMTPSA with TLS over loopback",
          value: "from authenticated.ozlabs.org (localhost [127.0.0.1]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (4096 bits) server-digest SHA256) (No client certificate requested) by mail.ozlabs.org (Postfix) with ESMTPSA id 4SjQgW5w7cz4wd7; Sun,  3 Dec 2023 10:12:23 +1100 (AEDT)",
          encryption: .encrypted, tls: "TLSv1.3", fromAddress: "127.0.0.1"),

    // Sendmail / Proofpoint "version=... cipher=...".
    .init(label: "Sendmail 8.15 ESMTPS version=TLSv1.2",
          value: "from DFLE111.ent.ti.com (dfle111.ent.ti.com [10.64.6.32]) by lelv0265.itg.ti.com (8.15.2/8.15.2) with ESMTPS id 30NELWpG001905 (version=TLSv1.2 cipher=AES256-GCM-SHA384 bits=256 verify=FAIL); Mon, 23 Jan 2023 08:21:32 -0600",
          encryption: .encrypted, tls: "TLSv1.2", cipher: "AES256-GCM-SHA384", with: "ESMTPS", by: "lelv0265.itg.ti.com"),
    .init(label: "Proofpoint (Sendmail) writes ESMTP over TLS",
          value: "from maileast.thefacebook.com ([163.114.130.16]) by mx0a-00082601.pphosted.com with ESMTP id 2stj9w8xyp-1 (version=TLSv1.2 cipher=ECDHE-RSA-AES128-GCM-SHA256 bits=128 verify=NOT); Thu, 30 May 2019 13:44:43 -0700",
          encryption: .encrypted, tls: "TLSv1.2", cipher: "ECDHE-RSA-AES128-GCM-SHA256", with: "ESMTP",
          fromAddress: "163.114.130.16"),
    .init(label: "Sendmail 8.14 ESMTP with OpenSSL cipher family TLSv1/SSLv3",
          value: "from wm1.cc.upv.es (wm1.cc.upv.es [158.42.249.56]) by smtp.upv.es (8.14.7/8.14.7) with ESMTP id 0637x4jd022422 (version=TLSv1/SSLv3 cipher=ECDHE-RSA-AES256-GCM-SHA384 bits=256 verify=NOT) for <usrp-users@lists.ettus.com>; Fri, 3 Jul 2020 09:59:04 +0200",
          encryption: .encrypted, tls: nil, cipher: "ECDHE-RSA-AES256-GCM-SHA384", with: "ESMTP"),
    .init(label: "Sendmail plain ESMTP between hosts",
          value: "from smtp.upv.es (smtpv.cc.upv.es [158.42.249.16]) by smtpx.upv.es (8.14.7/8.14.7) with ESMTP id 0637x4gi012478 for <usrp-users@lists.ettus.com>; Fri, 3 Jul 2020 09:59:04 +0200",
          encryption: .unencrypted, with: "ESMTP"),
    .init(label: "Sendmail /Submit local submission",
          value: "(from apache@localhost) by wm1.cc.upv.es (8.14.7/8.14.7/Submit) id 0637x41Q025712 for usrp-users@lists.ettus.com.; Fri, 3 Jul 2020 09:59:04 +0200",
          encryption: .local, with: nil, from: nil, by: "wm1.cc.upv.es"),

    // Gmail.
    .init(label: "Gmail MX TLS1_2",
          value: "from mga07.intel.com (mga07.intel.com. [134.134.136.100]) by mx.google.com with ESMTPS id n9si146219pll.307.2017.09.27.16.56.22 for <linux-mm@kvack.org> (version=TLS1_2 cipher=ECDHE-RSA-AES128-GCM-SHA256 bits=128/128); Wed, 27 Sep 2017 16:56:23 -0700 (PDT)",
          encryption: .encrypted, tls: "TLSv1.2", cipher: "ECDHE-RSA-AES128-GCM-SHA256", with: "ESMTPS",
          from: "mga07.intel.com", fromAddress: "134.134.136.100", by: "mx.google.com"),
    .init(label: "Gmail MX TLS1 (2017)",
          value: "from mx2.suse.de (mx2.suse.de. [195.135.220.15]) by mx.google.com with ESMTPS id z8si20573238wmz.53.2017.04.04.09.44.57 for <linux-mm@kvack.org> (version=TLS1 cipher=AES128-SHA bits=128/128); Tue, 04 Apr 2017 09:44:57 -0700 (PDT)",
          encryption: .encrypted, tls: "TLSv1.0", cipher: "AES128-SHA"),
    .init(label: "Gmail SMTP TLSv1/SSLv3 (2010)",
          value: "from localhost (adm12-98.itu.dk [130.226.133.98]) by mx.google.com with ESMTPS id p17sm1645561wbe.20.2010.06.18.11.42.54 (version=TLSv1/SSLv3 cipher=RC4-MD5); Fri, 18 Jun 2010 11:42:55 -0700 (PDT)",
          encryption: .encrypted, tls: nil, cipher: "RC4-MD5", fromAddress: "130.226.133.98"),
    .init(label: "Gmail internal hop without from",
          value: "by mail-lj1-x234.google.com with SMTP id 38308e7fff4ca-2ebe3fb5d4dso33482751fa.0 for <linux-aspeed@lists.ozlabs.org>; Mon, 08 Jul 2024 03:37:04 -0700 (PDT)",
          encryption: .unknown, with: "SMTP", from: nil, by: "mail-lj1-x234.google.com"),

    // Microsoft.
    .init(label: "Exchange Online version=TLS1_2",
          value: "from mail.nvidia.com (216.228.118.233) by SJ5PEPF000001F0.mail.protection.outlook.com (10.167.242.68) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8857.21 via Frontend Transport; Thu, 19 Jun 2025 11:56:03 +0000",
          encryption: .encrypted, tls: "TLSv1.2", cipher: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          with: "Microsoft SMTP Server", from: "mail.nvidia.com", fromAddress: "216.228.118.233",
          by: "SJ5PEPF000001F0.mail.protection.outlook.com"),
    .init(label: "Exchange (TLS)",
          value: "from becas.av.it.pt (192.168.86.20) by lecas.av.it.pt (192.168.86.21) with Microsoft SMTP Server (TLS) id 15.0.1156.6; Mon, 23 Sep 2019 17:38:49 +0100",
          encryption: .encrypted, tls: nil, with: "Microsoft SMTP Server", fromAddress: "192.168.86.20"),
    .init(label: "Exchange without TLS, HELO is a loopback literal but the peer is not",
          value: "from [127.0.1.1] (192.168.10.13) by TWMBX01.aspeed.com (192.168.0.62) with Microsoft SMTP Server id 15.2.1748.10 via Frontend Transport; Fri, 10 Jul 2026 10:51:36 +0800",
          encryption: .unencrypted, with: "Microsoft SMTP Server", from: "[127.0.1.1]", fromAddress: "192.168.10.13",
          by: "TWMBX01.aspeed.com"),
    .init(label: "Exchange mapi",
          value: "from HK0PR06MB3380.apcprd06.prod.outlook.com ([fe80::6def:b61:3beb:f3d5]) by HK0PR06MB3380.apcprd06.prod.outlook.com ([fe80::6def:b61:3beb:f3d5%6]) with mapi id 15.20.3455.021; Wed, 7 Oct 2020 05:45:36 +0000",
          encryption: .local, with: "mapi", fromAddress: "fe80::6def:b61:3beb:f3d5"),

    // Exim.
    .init(label: "Exim 4.95 TLS1.3",
          value: "from inpost2.zedat.fu-berlin.de ([130.133.4.69]) by outpost.zedat.fu-berlin.de (Exim 4.95) with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384 (envelope-from <glaubitz@zedat.fu-berlin.de>) id 1pJLNr-001fc4-Li; Sat, 21 Jan 2023 22:26:43 +0100",
          encryption: .encrypted, tls: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", with: "esmtps",
          from: "inpost2.zedat.fu-berlin.de", fromAddress: "130.133.4.69", by: "outpost.zedat.fu-berlin.de"),
    .init(label: "Exim GnuTLS TLS1.2",
          value: "from smtp-out1.suse.de ([2001:67c:2178:6::1c]) by eggs.gnu.org with esmtps (TLS1.2:ECDHE_RSA_AES_128_GCM_SHA256:128) (Exim 4.90_1) (envelope-from <farosas@suse.de>) id 1phwd4-00022h-0b for qemu-devel@nongnu.org; Thu, 30 Mar 2023 14:04:07 -0400",
          encryption: .encrypted, tls: "TLSv1.2", cipher: "ECDHE_RSA_AES_128_GCM_SHA256", fromAddress: "2001:67c:2178:6::1c"),
    .init(label: "Exim OpenSSL TLSv1.2",
          value: "from mail.mtit.org ([95.143.128.160]:60212) by mm2.emwd.com with esmtps (TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256) (Exim 4.92) (envelope-from <rybka@mtit.org>) id 1i3eqk-0007Fo-2G for usrp-users@lists.ettus.com; Fri, 30 Aug 2019 07:13:50 -0400",
          encryption: .encrypted, tls: "TLSv1.2", cipher: "ECDHE-RSA-AES256-GCM-SHA384", fromAddress: "95.143.128.160"),
    .init(label: "Exim local",
          value: "from mailnull by cp1.th.serverbkk.com with local (Exim 4.86) id 1ZmqIZ-004O8S-6u for ussdc531@server.linuxserver7.com; Fri, 16 Oct 2015 04:43:49 +0700",
          encryption: .local, with: "local", from: "mailnull", fromAddress: nil),
    .init(label: "Exim esmtp over ::1",
          value: "from [::1] (port=37474 helo=mm2.emwd.com) by mm2.emwd.com with esmtp (Exim 4.92) (envelope-from <usrp-users-bounces@lists.ettus.com>) id 1i3eqn-0007NL-U1; Fri, 30 Aug 2019 07:13:53 -0400",
          encryption: .unencrypted, with: "esmtp", from: "[::1]", fromAddress: "::1"),

    // LMTP.
    .init(label: "Dovecot LMTP over a UNIX socket",
          value: "from mail.lfdr.de by mail.lfdr.de with LMTP id PgFyEk1eUGotxgIAu9opvQ (envelope-from <linux-aspeed+bounces-4454-lists+linux-aspeed=lfdr.de@lists.ozlabs.org>) for <lists+linux-aspeed@lfdr.de>; Fri, 10 Jul 2026 04:51:57 +0200",
          encryption: .local, with: "LMTP", from: "mail.lfdr.de", fromAddress: nil, by: "mail.lfdr.de"),
    .init(label: "amavis LMTP on loopback",
          value: "from elaine.keithp.com ([127.0.0.1]) by localhost (elaine.keithp.com [127.0.0.1]) (amavisd-new, port 10024) with LMTP id YENfxiy2KoPi; Mon,  7 Oct 2019 11:16:33 -0700 (PDT)",
          encryption: .local, with: "LMTP", fromAddress: "127.0.0.1", by: "localhost"),
    .init(label: "amavis LMTP on IPv4-mapped loopback",
          value: "from bastet.se.axis.com ([IPv6:::ffff:127.0.0.1]) by localhost (bastet.se.axis.com [::ffff:127.0.0.1]) (amavisd-new, port 10024) with LMTP id wPRZ9UvIVLX0; Fri, 15 Mar 2019 09:35:02 +0100 (CET)",
          encryption: .local, fromAddress: "::ffff:127.0.0.1"),
    .init(label: "amavis LMTP across the network",
          value: "from s645.loopia.se ([172.22.191.5]) by s475.loopia.se (s475.loopia.se [172.22.190.15]) (amavisd-new, port 10024) with LMTP id A_f3cEmvDYkE; Wed,  5 May 2021 20:32:59 +0200 (CEST)",
          encryption: .unencrypted, with: "LMTP", fromAddress: "172.22.191.5"),
    .init(label: "LMTP without from, synthetic",
          value: "by store.example.org with LMTP id abc; Mon, 21 Sep 2026 10:00:01 +0000",
          encryption: .local, with: "LMTP", from: nil),

    // Postfix local; SMTP in the clear on loopback (unencrypted, inside one machine).
    .init(label: "Postfix from userid",
          value: "by codeconstruct.com.au (Postfix, from userid 10001) id EE5F22194F; Wed, 2 Jun 2021 12:42:01 +0800 (AWST)",
          encryption: .local, with: nil, from: nil, by: "codeconstruct.com.au"),
    .init(label: "Postfix ESMTP from 127.0.0.1",
          value: "from boromir.ozlabs.org (localhost [127.0.0.1]) by lists.ozlabs.org (Postfix) with ESMTP id 4cYms61MPPz2yVP; Sat, 27 Sep 2025 22:26:18 +1000 (AEST)",
          encryption: .unencrypted, with: "ESMTP", fromAddress: "127.0.0.1"),
    .init(label: "Postfix ESMTP from IPv6 ::1",
          value: "from boromir.ozlabs.org (localhost [IPv6:::1]) by lists.ozlabs.org (Postfix) with ESMTP id 4WHgY746CWz3cVm for <lists+linux-aspeed@lfdr.de>; Mon, 8 Jul 2024 20:37:15 +1000 (AEST)",
          encryption: .unencrypted, fromAddress: "::1"),
    .init(label: "Postfix plain ESMTP from the Internet",
          value: "from foss.arm.com (foss.arm.com [217.140.110.172]) by lists.ozlabs.org (Postfix) with ESMTP id 4G04455vzzz2xYp for <linux-aspeed@lists.ozlabs.org>; Wed, 9 Jun 2021 08:02:58 +1000 (AEST)",
          encryption: .unencrypted, with: "ESMTP", from: "foss.arm.com", fromAddress: "217.140.110.172", by: "lists.ozlabs.org"),
    .init(label: "IBM gateway from localhost, unknown keyword",
          value: "from localhost by e06smtp02.uk.ibm.com with IBM ESMTP SMTP Gateway: Authorized Use Only! Violators will be prosecuted for <linux-aspeed@lists.ozlabs.org> from <clg@kaod.org>; Fri, 11 Oct 2019 10:29:56 +0100",
          encryption: .local, with: "IBM", from: "localhost", fromAddress: nil, by: "e06smtp02.uk.ibm.com"),
    .init(label: "IBM gateway with TLS clause after the last ';'",
          value: "from b06avi18878370.portsmouth.uk.ibm.com (9.149.26.194) by e06smtp02.uk.ibm.com (192.168.101.132) with IBM ESMTP SMTP Gateway: Authorized Use Only! Violators will be prosecuted; (version=TLSv1/SSLv3 cipher=AES256-GCM-SHA384 bits=256/256) Fri, 11 Oct 2019 10:29:52 +0100",
          encryption: .encrypted, tls: nil, cipher: "AES256-GCM-SHA384", with: "IBM", fromAddress: "9.149.26.194"),

    // Webmail.
    .init(label: "Horde HTTPS",
          value: "from [192.168.5.80] ([192.168.5.80]) by r-mail.iap-kborn.de (Horde Framework) with HTTPS; Thu, 08 Aug 2019 12:02:55 +0200",
          encryption: .encrypted, with: "HTTPS", from: "[192.168.5.80]", fromAddress: "192.168.5.80"),
    .init(label: "SquirrelMail HTTP",
          value: "from 5.147.6.249 (SquirrelMail authenticated user smfegrei) by webmail.tu-dortmund.de with HTTP; Sat, 4 Jan 2020 11:09:41 +0100",
          encryption: .unencrypted, with: "HTTP", from: "5.147.6.249", fromAddress: "5.147.6.249"),

    // qmail.
    .init(label: "qmail TLS patch",
          value: "from unknown (HELO ?192.168.11.139?) (philip@opensdr.com@73.251.10.143) by mail.geekisp.com with (ECDHE-RSA-AES128-GCM-SHA256 encrypted) SMTP; 25 Nov 2020 13:26:05 -0000",
          encryption: .encrypted, cipher: "ECDHE-RSA-AES128-GCM-SHA256", with: "SMTP", from: "unknown",
          fromAddress: "73.251.10.143"),
    .init(label: "qmail local injection",
          value: "(qmail 24578 invoked by uid 1003); 25 Nov 2020 13:26:05 -0000",
          encryption: .local, with: nil, from: nil, by: nil),

    // Unknown.
    .init(label: "vger listexpand, no with clause",
          value: "(majordomo@vger.kernel.org) by vger.kernel.org via listexpand id S229597AbjGVRdg (ORCPT <rfc822;lists+linux-arch@lfdr.de>); Sat, 22 Jul 2023 13:33:36 -0400",
          encryption: .unknown, with: nil, from: nil, by: "vger.kernel.org"),
    .init(label: "ZMailer ESMTP with quoted EHLO and ';' inside a comment",
          value: "from lindbergh.monkeyblade.net ([23.128.96.19]:38746 \"EHLO lindbergh.monkeyblade.net\" rhost-flags-OK-OK-OK-OK) by vger.kernel.org with ESMTP id S229719AbjGVRdf (ORCPT <rfc822;linux-arch@vger.kernel.org>); Sat, 22 Jul 2023 13:33:35 -0400",
          encryption: .unencrypted, with: "ESMTP", from: "lindbergh.monkeyblade.net", fromAddress: "23.128.96.19",
          by: "vger.kernel.org"),
    .init(label: "unknown keyword from a remote host, synthetic",
          value: "from a.example (a.example [192.0.2.1]) by b.example with XYZZY id 1; Mon, 1 Jan 2024 00:00:00 +0000",
          encryption: .unknown, with: "XYZZY"),
    .init(label: "empty", value: "", encryption: .unknown, with: nil, from: nil, fromAddress: nil, by: nil),
]

@Suite struct ReceivedPatternTests {
    @Test(arguments: patternCases)
    func pattern(_ c: PatternCase) {
        let hop = ReceivedChain.hop(c.value)
        #expect(hop.encryption == c.encryption)
        #expect(hop.tlsVersion == c.tls)
        c.cipher.check(hop.cipher, "cipher")
        c.with.check(hop.with, "with")
        c.from.check(hop.from, "from")
        c.fromAddress.check(hop.fromAddress, "fromAddress")
        c.by.check(hop.by, "by")
        #expect(hop.raw == c.value)
        if !c.value.isEmpty { #expect(hop.date != nil) }
    }

    @Test func plainHopsHaveNoCipher() {
        let hop = ReceivedChain.hop("from foss.arm.com (foss.arm.com [217.140.110.172]) by lists.ozlabs.org (Postfix) with ESMTP id 4G04455vzzz2xYp; Wed, 9 Jun 2021 08:02:58 +1000 (AEST)")
        #expect(hop.cipher == nil)
        #expect(hop.tlsVersion == nil)
    }

    @Test func hostNamedLikeTLSIsNotATLSClause() {
        // synthetic: a one-word comment that merely starts with "tls"/"ssl" is not a TLS clause.
        let hop = ReceivedChain.hop("from tlsgw.example (tlsgw.example) by mx.example with ESMTP id 1 (sslproxy); Mon, 1 Jan 2024 00:00:00 +0000")
        #expect(hop.encryption == .unencrypted)
        #expect(hop.cipher == nil)
        let notEncrypted = ReceivedChain.hop("from a.example ([192.0.2.1]) by b.example with SMTP (not encrypted); Mon, 1 Jan 2024 00:00:00 +0000")
        #expect(notEncrypted.encryption == .unencrypted)
        #expect(notEncrypted.cipher == nil)
    }

    @Test func foldedValueGivesSameHopAsUnfolded() {
        let folded = "Received: from mail-ej1-f47.google.com (mail-ej1-f47.google.com. [209.85.218.47])\r\n        by gmr-mx.google.com with ESMTPS id m3-20020a056512114300b004d57ca1c967si393662lfg.0.2023.01.18.07.56.41\r\n        for <kasan-dev@googlegroups.com>\r\n        (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128);\r\n        Wed, 18 Jan 2023 07:56:41 -0800 (PST)\r\n\r\n"
        let fields = MessageHeaders.parse(Array(folded.utf8))
        #expect(fields.count == 1)
        let hop = ReceivedChain.hops(in: fields)[0]
        #expect(hop.raw == "from mail-ej1-f47.google.com (mail-ej1-f47.google.com. [209.85.218.47]) by gmr-mx.google.com with ESMTPS id m3-20020a056512114300b004d57ca1c967si393662lfg.0.2023.01.18.07.56.41 for <kasan-dev@googlegroups.com> (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128); Wed, 18 Jan 2023 07:56:41 -0800 (PST)")
        #expect(hop == ReceivedChain.hop(hop.raw))
        // hop() also copes with a value that still contains line breaks and tabs.
        let direct = ReceivedChain.hop("from mail-ej1-f47.google.com (mail-ej1-f47.google.com. [209.85.218.47])\r\n\tby gmr-mx.google.com with ESMTPS id x\r\n\t(version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128);\r\n\tWed, 18 Jan 2023 07:56:41 -0800 (PST)")
        #expect(direct.encryption == .encrypted)
        #expect(direct.tlsVersion == "TLSv1.3")
        #expect(direct.by == "gmr-mx.google.com")
        #expect(direct.date == hop.date)
    }

    @Test(arguments: [
        ("TLSv1.3", "TLSv1.3"), ("TLS1_3", "TLSv1.3"), ("TLS1.3", "TLSv1.3"), ("tlsv1.2", "TLSv1.2"),
        ("TLS1_2", "TLSv1.2"), ("TLSv1.1", "TLSv1.1"), ("TLSv1", "TLSv1.0"), ("TLS1", "TLSv1.0"), ("TLS1_0", "TLSv1.0"),
        ("SSLv3", "SSLv3"), ("TLSv1/SSLv3", nil), ("TLS", nil), ("TLSv2.0", nil), ("TLSv1.", nil), ("TLSv1.22", nil),
        ("TLSvX", nil), ("", nil),
    ] as [(String, String?)])
    func versionNormalisation(_ input: String, _ expected: String?) {
        #expect(TLSInfo.normaliseVersion(ArraySlice(input.utf8)) == expected)
    }

    @Test func hopIsCodable() throws {
        let hop = ReceivedChain.hop("from inpost2.zedat.fu-berlin.de ([130.133.4.69]) by outpost.zedat.fu-berlin.de (Exim 4.95) with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384 (envelope-from <glaubitz@zedat.fu-berlin.de>) id 1pJLNr-001fc4-Li; Sat, 21 Jan 2023 22:26:43 +0100")
        let data = try JSONEncoder().encode(hop)
        let back = try JSONDecoder().decode(ReceivedHop.self, from: data)
        #expect(back == hop)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"encryption\":\"encrypted\""))
    }
}
