import NIOCore

/// One open connection to Redis; batches sent on it are pipelined. Made and replaced by `RedisClient`.
struct RedisConnection: Sendable {
    let channel: any Channel

    /// Whether the connection can still carry commands.
    var isActive: Bool { channel.isActive }

    /// Sends `commands` in one write and returns their replies (error replies included, as values), failing every
    /// command in flight and closing the connection if `timeout` passes first.
    func send(_ commands: [RedisCommand], timeout: TimeAmount) async throws -> [RESPValue] {
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        let channel = self.channel
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            channel.triggerUserOutboundEvent(RedisDeadlinePassed(), promise: nil)
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        // A write that fails (the connection closed in between) fails the request; a second completion is ignored.
        channel.writeAndFlush(RedisRequest(commands: commands, promise: promise)).whenFailure { error in
            promise.fail(RedisError.connectionLost("\(error)"))
        }
        return try await promise.futureResult.get()
    }

    func close() async {
        try? await channel.close()
    }
}
