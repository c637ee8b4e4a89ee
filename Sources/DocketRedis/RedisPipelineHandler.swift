import NIOCore

/// A batch of commands written together, answered by as many replies in the same order.
struct RedisRequest {
    let commands: [RedisCommand]
    let promise: EventLoopPromise<[RESPValue]>
}

/// Asks the pipeline handler to give up on every outstanding request and close (a command's deadline passed).
struct RedisDeadlinePassed {}

/// Writes batches of commands and matches the replies, in order, to the batches waiting for them: any number of
/// batches may be in flight on one connection (pipelining). A reply that cannot be parsed, or that no batch is waiting
/// for, fails everything outstanding and closes the connection.
final class RedisPipelineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        let expected: Int
        var replies: [RESPValue]
        let promise: EventLoopPromise<[RESPValue]>
    }

    private let parser: RESPParser
    private var received: ByteBuffer?
    private var waiting = CircularBuffer<Waiting>()
    private var isOpen = true

    init(limits: RESPLimits) {
        parser = RESPParser(limits: limits)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard isOpen else {
            // Nothing would ever answer: the connection already ended.
            request.promise.fail(RedisError.connectionLost("the connection is closed"))
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        guard !request.commands.isEmpty else {
            request.promise.succeed([])
            promise?.succeed()
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64 * request.commands.count)
        for command in request.commands { command.encode(into: &buffer) }
        waiting.append(Waiting(expected: request.commands.count, replies: [], promise: request.promise))
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if received == nil {
            received = incoming
        } else {
            received!.writeBuffer(&incoming)
        }
        do {
            while var buffer = received, let reply = try parser.next(from: &buffer) {
                received = buffer
                guard var head = waiting.first else { throw RESPProtocolError("a reply nobody asked for") }
                head.replies.append(reply)
                if head.replies.count == head.expected {
                    waiting.removeFirst()
                    head.promise.succeed(head.replies)
                } else {
                    waiting[waiting.startIndex] = head
                }
            }
            if received?.readableBytes == 0 { received = nil } else { received?.discardReadBytes() }
        } catch {
            isOpen = false
            failAll(.protocolViolation((error as? RESPProtocolError)?.reason ?? "\(error)"))
            context.close(promise: nil)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is RedisDeadlinePassed else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        isOpen = false
        failAll(.timedOut)
        promise?.succeed()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isOpen = false
        failAll(.connectionLost("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        isOpen = false
        failAll(.connectionLost("\(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        while let next = waiting.popFirst() { next.promise.fail(error) }
    }
}
