import HummingbirdCore
import Logging
import NIOCore

/// Closes a connection whose first request head has not fully arrived within `timeout` (an idle or byte-trickling
/// client). The WebSocket-upgrading HTTP/1 channel installs its idle handling only once the first head is complete, so
/// without this a client could hold a connection for ever by sending nothing, or one byte at a time.
struct FirstRequestDeadline<Base: ServerChildChannel>: ServerChildChannel {
    let base: Base
    let timeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Base.Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(HeadDeadlineHandler(timeout: timeout))
        }.flatMap { base.setup(channel: channel, logger: logger) }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Watches the first bytes for the end of the request head (`CRLF CRLF`), and closes the connection if it does not
/// come in time; after that it only passes bytes on.
private final class HeadDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var headSeen = false
    /// The last three bytes seen, so a `CRLF CRLF` split across reads is found.
    private var carry: [UInt8] = []

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) { loopBound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !headSeen {
            let joined = carry + Array(unwrapInboundIn(data).readableBytesView)
            if joined.count >= 4, (0...(joined.count - 4)).contains(where: { joined[$0..<$0 + 4] == [13, 10, 13, 10] }) {
                headSeen = true
                deadline?.cancel()
            }
            carry = Array(joined.suffix(3))
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }
}
