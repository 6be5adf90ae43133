import Foundation
import Testing
@testable import MailTLSCore

@Suite struct DateTests {
    /// Seconds since 1970 for a UTC calendar date, computed independently with Foundation's Calendar.
    private func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Date {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        return cal.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
    }

    private func date(_ s: String) -> Date? { ReceivedDate.parse(Substring(s)) }

    @Test func rfc5322WithZoneComment() {
        #expect(date("Mon,  8 Jul 2024 20:37:04 +1000 (AEST)") == utc(2024, 7, 8, 10, 37, 4))
        #expect(date("Wed, 18 Jan 2023 07:56:41 -0800 (PST)") == utc(2023, 1, 18, 15, 56, 41))
        #expect(date("Thu, 4 Dec 2025 21:27:28 +0000 (WET)") == utc(2025, 12, 4, 21, 27, 28))
    }

    @Test func missingWeekdayAndNegativeZero() {
        #expect(date("25 Nov 2020 13:26:05 -0000") == utc(2020, 11, 25, 13, 26, 5))
        #expect(date(" 1 Jan 2024 00:00:00 +0000") == utc(2024, 1, 1))
    }

    @Test func zoneNames() {
        #expect(date("Fri, 19 Apr 2024 22:06:05 GMT") == utc(2024, 4, 19, 22, 6, 5))
        #expect(date("Tue, 4 Apr 2017 09:44:57 PST") == utc(2017, 4, 4, 17, 44, 57))
        #expect(date("Tue, 4 Apr 2017 09:44:57 PDT") == utc(2017, 4, 4, 16, 44, 57))
        #expect(date("Tue, 4 Apr 2017 09:44:57 EST") == utc(2017, 4, 4, 14, 44, 57))
        #expect(date("Tue, 4 Apr 2017 09:44:57 UT") == utc(2017, 4, 4, 9, 44, 57))
        #expect(date("Tue, 4 Apr 2017 09:44:57 Z") == utc(2017, 4, 4, 9, 44, 57))
        // Zone only given as a comment.
        #expect(date("Thu, 1 Jan 2015 12:00:00 (UTC)") == utc(2015, 1, 1, 12))
        #expect(date("Thu, 1 Jan 2015 12:00:00 (CEST)") == utc(2015, 1, 1, 10))
        // Unknown alphabetic zone or none at all: -0000 (RFC 5322 section 4.3).
        #expect(date("Thu, 1 Jan 2015 12:00:00 XYZT") == utc(2015, 1, 1, 12))
        #expect(date("Thu, 1 Jan 2015 12:00:00") == utc(2015, 1, 1, 12))
    }

    @Test func obsoleteForms() {
        #expect(date("1 jan 24 12:30 +0130") == utc(2024, 1, 1, 11, 0))          // two-digit year, no seconds
        #expect(date("1 Jan 99 00:00:00 +0000") == utc(1999, 1, 1))
        #expect(date("1 Jan 124 00:00:00 +0000") == utc(2024, 1, 1))            // three-digit year
        #expect(date("Sunday, 1 September 2024 00:00:00 +0000") == utc(2024, 9, 1))
        #expect(date("(comment) Fri, 11 Oct 2019 10:29:52 +0100") == utc(2019, 10, 11, 9, 29, 52))
        #expect(date("Thu, 29 Feb 2024 23:59:60 +0000") == utc(2024, 2, 29, 23, 59, 59))  // leap second clamped
    }

    @Test func invalidDates() {
        #expect(date("") == nil)
        #expect(date("Mon, 1 Jan 2024 00:00:00 +99999999999999999999") == nil)
        #expect(date("Mon, 32 Jan 2024 00:00:00 +0000") == nil)
        #expect(date("Wed, 29 Feb 2023 00:00:00 +0000") == nil)
        #expect(date("Mon, 1 Foo 2024 00:00:00 +0000") == nil)
        #expect(date("Mon, 1 Jan 2024 24:00:00 +0000") == nil)
        #expect(date("Mon, 1 Jan 2024 00:60:00 +0000") == nil)
        #expect(date("Mon, 1 Jan 2024 00:00:00 +0160") == nil)
        #expect(date("Mon, 1 Jan 99999 00:00:00 +0000") == nil)
        #expect(date("Mon, 1 Jan 2024 0000:00:00 +0000") == nil)
        #expect(date("Mon, 1 Jan 2024") == nil)
        #expect(date("99999999999999999999999 Jan 2024 00:00:00 +0000") == nil)
    }

    @Test func hopDateIsAfterLastSemicolon() {
        let hop = ReceivedChain.hop("from lindbergh.monkeyblade.net ([23.128.96.19]:38746 \"EHLO lindbergh.monkeyblade.net\" rhost-flags-OK-OK-OK-OK) by vger.kernel.org with ESMTP id S229719AbjGVRdf (ORCPT <rfc822;linux-arch@vger.kernel.org>); Sat, 22 Jul 2023 13:33:35 -0400")
        #expect(hop.date == utc(2023, 7, 22, 17, 33, 35))
        #expect(ReceivedChain.hop("from a by b with SMTP id 1").date == nil)
        // Microsoft folds inside the date; after unfolding it is an ordinary date.
        let fields = MessageHeaders.parse(Array("Received: from localhost (10.202.227.76) by lhrpeml500005.china.huawei.com\n (7.191.163.240) with Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id 15.1.2507.31; Tue, 3 Oct\n 2023 17:17:43 +0100\n".utf8))
        let ms = ReceivedChain.hops(in: fields)
        #expect(ms.count == 1)
        #expect(ms.first?.date == utc(2023, 10, 3, 16, 17, 43))
        #expect(ms.first?.encryption == .encrypted)
        #expect(ms.first?.tlsVersion == "TLSv1.2")
        #expect(ms.first?.fromAddress == "10.202.227.76")
    }

    @Test func daysFromCivilMatchesCalendar() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (1900, 3, 1), (2024, 12, 31), (1601, 1, 1), (9999, 12, 31)] {
            let days = ReceivedDate.daysFromCivil(year: y, month: m, day: d)
            #expect(Date(timeIntervalSince1970: TimeInterval(days) * 86_400) == utc(y, m, d))
        }
    }
}
