import MailTLSCore
import NIOCore
import NIOSSL
import NIOTLS

/// Sits after the TLS handler and completes a promise when the handshake finishes (reading the version there, on
/// the loop, before a fast-closing server can race it) or fails.
final class HandshakeObserver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let promise: EventLoopPromise<MailTLSCore.TLSVersion?>
    private var done = false

    init(promise: EventLoopPromise<MailTLSCore.TLSVersion?>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent, !done {
            done = true
            let nioVersion = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).tlsVersion
            promise.succeed(nioVersion.flatMap(MailTLSCore.TLSVersion.init(nio:)))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(with: error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(with: EngineError.closedByPeer(during: "TLS handshake"))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(with: EngineError.closedByPeer(during: "TLS handshake"))
    }

    private func finish(with error: Error) {
        guard !done else { return }
        done = true
        promise.fail(error)
    }
}
