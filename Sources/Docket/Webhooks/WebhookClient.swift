import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A deliberately small HTTP/1.1 client for webhook deliveries: one POST to an address the SSRF guard already vetted
/// (so DNS cannot change between the check and the connection), TLS with certificate and host-name verification for
/// https, no redirects followed, a deadline on the whole exchange and at most `responseLimit` bytes of body kept.
struct WebhookClient: Sendable {
    /// What came back.
    struct Reply: Sendable {
        let status: Int
        /// The start of the response body (at most the limit).
        let body: String
    }

    /// Why an attempt got no reply.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let eventLoopGroup: any EventLoopGroup
    let tls: NIOSSLContext
    var responseLimit = 1024

    init(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.eventLoopGroup = eventLoopGroup
        self.tls = try NIOSSLContext(configuration: .makeClientConfiguration())
    }

    /// POSTs `body` with `headers` to `target` at `address`, giving up after `timeout`.
    func post(_ body: [UInt8], headers: [(String, String)], to target: WebhookTarget, at address: SocketAddress, timeout: Duration) async throws
        -> Reply
    {
        let eventLoop = eventLoopGroup.next()
        let promise = eventLoop.makePromise(of: Reply.self)
        let limit = responseLimit
        let (tls, isHTTPS, host) = (self.tls, target.isHTTPS, target.host)
        let milliseconds = max(1, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.milliseconds(min(milliseconds, 5000)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if isHTTPS {
                        let name = IPAddressText.isLiteral(host) ? nil : host
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ReplyCollector(promise: promise, limit: limit))
                }
            }
        let deadline = eventLoop.scheduleTask(in: .milliseconds(milliseconds)) {
            promise.fail(Failure(description: "timed out after \(Double(milliseconds) / 1000) s"))
        }
        defer { deadline.cancel() }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: address).get()
        } catch {
            promise.fail(Failure(description: "connection failed: \(Self.describe(error))"))
            return try await promise.futureResult.get()
        }
        promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.requestTarget)
        head.headers.add(name: "Host", value: target.hostHeader)
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(body.count))
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return try await promise.futureResult.get()
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first { return "\(first.error)" }
        return "\(error)"
    }
}

/// Collects the status and the start of the body; completes at the end of the response or when the peer goes away.
private final class ReplyCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<WebhookClient.Reply>
    private let limit: Int
    private var status: Int?
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<WebhookClient.Reply>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(var chunk):
            let room = max(0, limit - body.readableBytes)
            if room > 0, let bytes = chunk.readSlice(length: min(room, chunk.readableBytes)) { body.writeImmutableBuffer(bytes) }
            if body.readableBytes >= limit { complete() }  // Enough: the rest is not read.
        case .end:
            complete()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if status != nil { complete() }
        promise.fail(WebhookClient.Failure(description: "the connection closed before a response"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(WebhookClient.Failure(description: "\(error)"))
        context.close(promise: nil)
    }

    private func complete() {
        guard let status else { return }
        promise.succeed(WebhookClient.Reply(status: status, body: String(decoding: body.readableBytesView, as: UTF8.self)))
    }
}

/// Recognises IP literals (which are not sent as TLS server names).
enum IPAddressText {
    static func isLiteral(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
