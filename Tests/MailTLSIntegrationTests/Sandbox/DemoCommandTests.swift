import Foundation
import Testing

/// `mailtls demo`: with no network it starts a sandbox, checks it, and shows a client report, in a few seconds.
@Suite struct DemoCommandTests {
    @Test func demoShowsTheThreeSections() async {
        let result = await Tool.mailtls(["demo", "--no-color"], timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        let output = result.stdout
        let sections = ["1. The sandbox is running on 127.0.0.1", "2. What mailtls check says about it",
                        "3. A built-in client that behaves like an old printer"]
        let positions = sections.map { output.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil }, "\(output)")
        let found = positions.compactMap { $0 }
        #expect(found == found.sorted(), "the sections come in order")
        // The check finds what the mixed configuration has.
        #expect(output.contains("tls-version-deprecated"))
        #expect(output.contains("starttls-not-supported"))
        #expect(output.contains("cleartext-auth-allowed"))
        #expect(output.contains("accepts TLSv1.0, TLSv1.1"))
        // The client report: the old printer speaks TLS 1.0 and sends its password unencrypted.
        let clientPart = found.count == 3 ? String(output[found[2]...]) : ""
        #expect(clientPart.contains("TLSv1.0"))
        #expect(clientPart.contains("password sent unencrypted"))
        #expect(clientPart.contains("password sent before TLS: YES"))
        #expect(clientPart.contains("The device offers at most TLSv1.0"))
        #expect(clientPart.contains("a local relay"))
        #expect(!output.contains("\u{1B}["), "no colour")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func demoInJapanese() async {
        let result = await Tool.mailtls(["demo", "--lang", "ja", "--no-color"], timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        let output = result.stdout
        #expect(output.contains("1. サンドボックスを起動しました"), "\(output)")
        #expect(output.contains("2. mailtls check の結果"))
        #expect(output.contains("3. 古い複合機を模した組み込みクライアントの接続結果"))
        #expect(output.contains("tls-version-deprecated"))
        #expect(output.contains("starttls-not-supported"))
        #expect(output.contains("パスワードを暗号化せず送信"))
        #expect(output.contains("TLSv1.0"))
        #expect(!output.contains("The sandbox is running"))
    }

    @Test func demoIsTheDefaultCommand() async {
        let result = await Tool.mailtls(["--no-color"], timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1. The sandbox is running on 127.0.0.1"))
        #expect(result.stdout.contains("3. A built-in client that behaves like an old printer"))
    }
}
