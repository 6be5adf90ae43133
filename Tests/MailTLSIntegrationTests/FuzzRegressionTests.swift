import Foundation
import Testing

/// Every input libFuzzer ever crashed a parser with (Tests/Fuzz/Crashes, kept with its fix) and every seed
/// (Tests/Fuzz/Seeds) runs through its harness on each test run: a fixed crash cannot come back unnoticed.
@Suite struct FuzzRegressionTests {
    static let root = Lab.packageRoot.appendingPathComponent("Tests/Fuzz")

    static var harnessDirectories: [String] {
        ["Crashes", "Seeds"].flatMap { kind in
            ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(kind).path)) ?? [])
                .sorted().map { "\(kind)/\($0)" }
        }
    }

    static var replayer: String {
        URL(fileURLWithPath: ProcessRunner.mailtlsBinary).deletingLastPathComponent()
            .appendingPathComponent("mailtls-fuzz").path
    }

    @Test(arguments: harnessDirectories)
    func everySavedInputRunsCleanly(directory: String) async throws {
        let harness = URL(fileURLWithPath: directory).lastPathComponent
        let result = await Tool.run(Self.replayer, [harness, Self.root.appendingPathComponent(directory).path],
                                    environment: ["SWIFT_BACKTRACE": "enable=no"])
        #expect(result.status == 0, "\(directory): \(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("inputs replayed"))
    }
}
