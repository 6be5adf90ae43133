import Foundation
import MailTLSCheck
import Testing

@Suite struct ISO8601Tests {
    /// The hand-made formatter writes what Foundation's internet date-time does: whole seconds across three centuries
    /// (certificates' dates) and fractions since 1970 (probes' times). Foundation's own rounding of fractions before
    /// 1970 is not consistent with itself, so those are left out.
    @Test func sameAsFoundationsInternetDateTime() {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime]
        var generator = SystemRandomNumberGenerator()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: 1_796_597_507.99),
                     Date(timeIntervalSince1970: 951_782_400)]  // 2000-02-29
        for _ in 0..<2000 {
            dates.append(Date(timeIntervalSince1970: Double(Int.random(in: -2_208_988_800...4_102_444_800, using: &generator))))
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator)))
        }
        for date in dates {
            #expect(ISO8601.format(date) == reference.string(from: date), "\(date.timeIntervalSince1970)")
        }
    }
}
