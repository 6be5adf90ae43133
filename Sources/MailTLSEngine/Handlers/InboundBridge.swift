import NIOCore

/// The last inbound handler: holds received bytes until the engine asks for them, with a deadline per request.
///
/// Owning this buffer (rather than reading through `NIOAsyncChannel`) lets the engine take every byte that arrived
/// before a STARTTLS upgrade at the exact moment the TLS handler goes in, so injected plaintext can never be read
/// as if it came through TLS.
final class InboundBridge: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// A hostile peer may stream forever; past this many unread bytes the connection is dropped.
    let maximumBufferedBytes: Int
    private var buffered: ByteBuffer?
    private var waiter: EventLoopPromise<ByteBuffer>?
    private var waiterTimeout: Scheduled<Void>?
    private var terminalError: EngineError?
    private var context: ChannelHandlerContext?
    /// What the engine is waiting for, to name it in errors.
    var activity = "connect"

    init(maximumBufferedBytes: Int = 1 << 20) {
        self.maximumBufferedBytes = maximumBufferedBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if buffered == nil {
            buffered = bytes
        } else {
            buffered!.writeBuffer(&bytes)
        }
        if let waiter {
            deliver(to: waiter)
            return
        }
        if (buffered?.readableBytes ?? 0) > maximumBufferedBytes {
            fail(.oversizedInput(.unreadBytesOver(maximumBufferedBytes)))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closedByPeer(during: activity))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(EngineError.handshakeFailure(error))
        context.close(promise: nil)
    }

    /// The next bytes, or an error when the deadline passes or the connection ends.
    /// - Parameter reportedWait: the whole wait for the reply, named in the timeout error.
    func nextChunk(on eventLoop: EventLoop, timeout: TimeAmount, reportedWait: Double) -> EventLoopFuture<ByteBuffer> {
        if let bytes = buffered, bytes.readableBytes > 0 {
            buffered = nil
            return eventLoop.makeSucceededFuture(bytes)
        }
        if let terminalError { return eventLoop.makeFailedFuture(terminalError) }
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        waiter = promise
        let seconds = reportedWait
        let during = activity
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        waiterTimeout = eventLoop.scheduleTask(in: timeout) {
            let bridge = bound.value
            guard let waiter = bridge.waiter, waiter.futureResult === promise.futureResult else { return }
            bridge.waiter = nil
            waiter.fail(EngineError.readTimeout(seconds: seconds, during: during))
        }
        return promise.futureResult
    }

    /// Takes every byte received but not yet read.
    func drain() -> [UInt8] {
        guard let bytes = buffered else { return [] }
        buffered = nil
        return Array(bytes.readableBytesView)
    }

    private func deliver(to promise: EventLoopPromise<ByteBuffer>) {
        guard let bytes = buffered else { return }
        buffered = nil
        waiter = nil
        waiterTimeout?.cancel()
        waiterTimeout = nil
        promise.succeed(bytes)
    }

    private func fail(_ error: EngineError) {
        if terminalError == nil { terminalError = error }
        if let waiter {
            self.waiter = nil
            waiterTimeout?.cancel()
            waiterTimeout = nil
            if let bytes = buffered, bytes.readableBytes > 0 {
                buffered = nil
                waiter.succeed(bytes)
            } else {
                waiter.fail(terminalError ?? error)
            }
        }
    }
}
