import MailTLSCore
import NIOConcurrencyHelpers
import NIOCore

/// Sits in front of the TLS handler and reads the server's first TLS bytes as they pass: the negotiated cipher suite
/// (no public API gives it), a TLS alert, or plaintext where TLS was expected.
final class ServerFlightSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var parser = ServerFlightParser()
    private let verdict: NIOLockedValueBox<ServerFlightParser.Verdict>

    init(verdict: NIOLockedValueBox<ServerFlightParser.Verdict>) {
        self.verdict = verdict
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if parser.verdict == .needMoreBytes {
            let bytes = unwrapInboundIn(data)
            let result = parser.consume(bytes.readableBytesView)
            verdict.withLockedValue { $0 = result }
        }
        context.fireChannelRead(data)
    }
}
