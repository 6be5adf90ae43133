import Foundation

/// Under libFuzzer (built with `-sanitize=fuzzer -DFUZZING`, see scripts/fuzz) this is the fuzz target; the harness
/// comes from `MAILTLS_FUZZ_TARGET`. Built normally, it is a replayer: `mailtls-fuzz HARNESS FILE...` runs the
/// harness on each file, which is how the suite keeps every crash ever found as a regression fixture.
nonisolated(unsafe) var selectedHarness: Harness?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if selectedHarness == nil {
        guard let name = ProcessInfo.processInfo.environment["MAILTLS_FUZZ_TARGET"], let harness = Harness(rawValue: name)
        else { fatalError("set MAILTLS_FUZZ_TARGET to one of: \(Harness.allCases.map(\.rawValue))") }
        selectedHarness = harness
    }
    selectedHarness!.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if FUZZING
/// libFuzzer's driver, which takes over the process with our callback.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

/// SwiftPM links an executable's entry point under this name; under libFuzzer it hands the process to the driver.
@_cdecl("mailtls_fuzz_main")
func fuzzingMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}
#else
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let harness = Harness(rawValue: name) else {
            print("usage: mailtls-fuzz HARNESS FILE...  harnesses: \(Harness.allCases.map(\.rawValue).joined(separator: " "))")
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            let url = URL(fileURLWithPath: path)
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { url.appendingPathComponent($0) }
                : [url]
            for file in files {
                guard let data = try? Data(contentsOf: file) else { continue }
                harness.run(Array(data))
                count += 1
            }
        }
        print("\(name): \(count) inputs replayed")
    }
}
#endif
