import MailTLSCore
import NIOConcurrencyHelpers
import NIOCore

/// What the recorder saw of a handshake: the client's offer and the suite the server chose.
struct HandshakeObservation: Sendable {
    var clientHello: ClientHello?
    var clientSentPlaintext: [UInt8]?
    var serverHello: ServerFlightParser.ServerHello?
}

/// Sits in front of the server's TLS handler and reads both directions of the handshake as they pass: the
/// ClientHello coming in (what the device can do) and the ServerHello going out (the cipher chosen, which
/// BoringSSL does not expose). Bytes pass through unchanged.
final class TLSHandshakeRecorder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var clientParser = ClientHelloParser()
    private var serverParser = ServerFlightParser()
    private let observation: NIOLockedValueBox<HandshakeObservation>

    init(observation: NIOLockedValueBox<HandshakeObservation>) {
        self.observation = observation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .needMoreBytes = clientParser.verdict {
            let bytes = unwrapInboundIn(data)
            switch clientParser.consume(bytes.readableBytesView) {
            case .clientHello(let hello):
                observation.withLockedValue { $0.clientHello = hello }
            case .notTLS(let prefix):
                observation.withLockedValue { $0.clientSentPlaintext = prefix }
            default:
                break
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if serverParser.verdict == .needMoreBytes {
            let bytes = unwrapOutboundIn(data)
            if case .serverHello(let hello) = serverParser.consume(bytes.readableBytesView) {
                observation.withLockedValue { $0.serverHello = hello }
            }
        }
        context.write(data, promise: promise)
    }
}
