import HummingbirdCore
import Logging
import NIOCore

/// Closes a connection that has not been answered within `timeout` of opening (an idle or byte-trickling client, or
/// a head that cannot be parsed). The WebSocket-upgrading HTTP/1 channel installs its idle handling only once the first head is complete, so
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

/// Closes the connection unless the first response starts within the deadline: an idle or trickling client, and a
/// request head the HTTP decoder cannot parse (which the upgrading channel otherwise answers with nothing), both end
/// here. After the first response byte it only passes data on; later requests have the channel's own idle timeout.
private final class HeadDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

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

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if let pending = deadline {
            pending.cancel()
            deadline = nil
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }
}
