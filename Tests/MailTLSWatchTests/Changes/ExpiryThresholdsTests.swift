import Foundation
import Testing

@testable import MailTLSWatch

@Suite struct ExpiryThresholdsTests {
    static let day = 86400.0
    let issued = Date(timeIntervalSince1970: 1_800_000_000)

    func crossed(lifetimeDays: Double, leftDays: Double, _ thresholds: ExpiryThresholds = ExpiryThresholds())
        -> [ExpiryThresholds.Threshold] {
        let notAfter = issued.addingTimeInterval(lifetimeDays * Self.day)
        return thresholds.crossed(notBefore: issued, notAfter: notAfter, now: notAfter.addingTimeInterval(-leftDays * Self.day))
    }

    @Test func aNinetyDayCertificateIsWarnedAtThreeWeeksAndNotBefore() {
        #expect(crossed(lifetimeDays: 90, leftDays: 30) == [])
        #expect(crossed(lifetimeDays: 90, leftDays: 21) == [.days(21)])
        // 10 % of 90 days is 9 days: between 14 and 7, nearest to expiry last.
        #expect(crossed(lifetimeDays: 90, leftDays: 8) == [.days(21), .days(14), .percent(10)])
        #expect(crossed(lifetimeDays: 90, leftDays: 0.5) == [.days(21), .days(14), .percent(10), .days(7), .days(3), .days(1)])
    }

    /// A 6-day certificate is never "21 days from expiry": day thresholds count only under a third of the lifetime.
    @Test func aSixDayCertificateIsNotWarnedWhenIssued() {
        #expect(crossed(lifetimeDays: 6, leftDays: 6) == [])
        #expect(crossed(lifetimeDays: 6, leftDays: 3) == [])
        #expect(crossed(lifetimeDays: 6, leftDays: 1) == [.days(1)])
        #expect(crossed(lifetimeDays: 6, leftDays: 0.5) == [.days(1), .percent(10)])
    }

    @Test func anExpiredCertificateIsAFindingNotANotice() {
        #expect(crossed(lifetimeDays: 90, leftDays: -1) == [])
    }

    @Test func thresholdsReadAsDaysOrShares() {
        #expect(ExpiryThresholds.Threshold(text: "14d") == .days(14))
        #expect(ExpiryThresholds.Threshold(text: "14") == .days(14))
        #expect(ExpiryThresholds.Threshold(text: "10%") == .percent(10))
        #expect(ExpiryThresholds.Threshold(text: "0%") == nil)
        #expect(ExpiryThresholds.Threshold(text: "100%") == nil)
        #expect(ExpiryThresholds.Threshold(text: "-1d") == nil)
        #expect(ExpiryThresholds.Threshold(text: "soon") == nil)
    }
}
