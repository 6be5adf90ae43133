import MailTLSCore

/// Reads one complete response off a connection: frames lines, feeds the protocol's assembler, and waits at most
/// `wait` seconds for the whole response, however the bytes trickle in. Shared by every dialogue the engine runs and
/// by long-lived client sessions.
struct ResponseReader {
    var framer = LineFramer(maximumLineLength: 8192)

    /// - Parameters:
    ///   - onLine: each server line as it arrives, printable (for the transcript).
    ///   - onBytes: each chunk read off the socket, before framing.
    mutating func read(_ reader: DialogueRequest.Reader, from connection: MailConnection, wait: Double,
                       activity: String, onLine: (String) -> Void,
                       onBytes: () -> Void = {}) async throws -> MailResponse {
        var assembler = reader.makeAssembler()
        let started = ContinuousClock.now
        while true {
            let line: [UInt8]?
            do {
                line = try framer.nextLine()
            } catch {
                throw EngineError.oversizedInput(.lineLongerThan(bytes: framer.maximumLineLength))
            }
            if let line {
                onLine(line.printableLine)
                do {
                    if let response = try assembler.consume(line: line) { return response }
                } catch {
                    switch error {
                    case .malformedLine(let text): throw EngineError.malformedResponse(text)
                    case .responseTooLong(let limit): throw EngineError.oversizedInput(.replyOfMoreLinesThan(limit))
                    }
                }
                continue
            }
            let remaining = wait - started.duration(to: .now).inMilliseconds / 1000
            guard remaining > 0 else { throw EngineError.readTimeout(seconds: wait, during: activity) }
            let bytes = try await connection.read(timeout: remaining, wholeWait: wait, activity: activity)
            onBytes()
            framer.append(bytes)
        }
    }
}
