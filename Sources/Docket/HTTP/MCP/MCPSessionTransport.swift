import Foundation
import Logging
import MCP

/// MCP's Streamable HTTP transport for one session (Docket's own, in place of the SDK's stateful transport, which keeps
/// every event it ever sent): each POSTed request is answered on its own event stream, server-initiated messages go to
/// the session's GET stream, and only the last events (`MCPReplayBuffer`) are kept for `Last-Event-ID` resumption.
actor MCPSessionTransport: Transport, HTTPContextProviding {
    nonisolated let logger: Logger
    private let sessionID: String
    private let validation: any HTTPRequestValidationPipeline
    private var replay: MCPReplayBuffer
    private var initialized = false
    private var terminated = false
    private let incoming: AsyncThrowingStream<Data, Error>
    private let incomingContinuation: AsyncThrowingStream<Data, Error>.Continuation
    /// The open event stream of each request still being answered, by JSON-RPC id.
    private var requestStreams: [String: AsyncThrowingStream<Data, Error>.Continuation] = [:]
    /// The HTTP request that carried each request still being answered (for `Server.currentHandlerContext`).
    private var requestContexts: [String: MCP.HTTPRequest] = [:]
    /// The session's GET stream, where notifications go.
    private var standalone: AsyncThrowingStream<Data, Error>.Continuation?
    /// Counts GET streams, so the end of a replaced one does not forget its successor.
    private var standaloneGeneration = 0
    private static let standaloneStreamID = "_GET_stream"

    init(sessionID: String, validation: any HTTPRequestValidationPipeline, replay: MCPReplayBuffer = MCPReplayBuffer()) {
        self.sessionID = sessionID
        self.validation = validation
        self.replay = replay
        self.logger = Logger(label: "docket.mcp.transport", factory: { _ in SwiftLogNoOpLogHandler() })
        (incoming, incomingContinuation) = AsyncThrowingStream<Data, Error>.makeStream()
    }

    /// How many events the session holds for resumption (for tests).
    var heldEvents: Int { replay.count }

    func connect() async throws {}

    func disconnect() async { terminate() }

    func receive() -> AsyncThrowingStream<Data, Error> { incoming }

    /// Routes a message from the server: a response ends its request's stream; anything else goes to the GET stream.
    func send(_ data: Data) async throws {
        guard !terminated else { throw MCPError.connectionClosed }
        switch MCPMessageKind(data) {
        case .response(let id):
            deliver(data, on: id, to: requestStreams[id])
            requestStreams.removeValue(forKey: id)?.finish()
            requestContexts.removeValue(forKey: id)
        case .request, .notification:
            deliver(data, on: Self.standaloneStreamID, to: standalone)
        case nil:
            return
        }
    }

    func httpRequestContext(for id: ID) -> MCP.HTTPRequest? { requestContexts[id.description] }

    /// Answers one HTTP request to `/mcp` for this session.
    func handle(_ request: MCP.HTTPRequest) -> MCP.HTTPResponse {
        guard !terminated else { return .error(statusCode: 404, .invalidRequest("Not Found: Session has been terminated"), sessionID: sessionID) }
        switch request.method.uppercased() {
        case "POST": return post(request)
        case "GET": return get(request)
        case "DELETE":
            if let refusal = validate(request, method: "DELETE", initializing: false) { return refusal }
            terminate()
            return .ok(headers: [HTTPHeaderName.sessionID: sessionID])
        default:
            return .error(
                statusCode: 405, .invalidRequest("Method Not Allowed"), sessionID: sessionID,
                extraHeaders: [HTTPHeaderName.allow: "GET, POST, DELETE"])
        }
    }

    private func post(_ request: MCP.HTTPRequest) -> MCP.HTTPResponse {
        guard let body = request.body, !body.isEmpty else { return .error(statusCode: 400, .parseError("Empty request body"), sessionID: sessionID) }
        guard let kind = MCPMessageKind(body) else { return .error(statusCode: 400, .parseError("Invalid JSON-RPC message"), sessionID: sessionID) }
        if let refusal = validate(request, method: "POST", initializing: kind.isInitialize) { return refusal }
        if kind.isInitialize {
            guard !initialized else {
                return .error(statusCode: 400, .invalidRequest("Bad Request: Session already initialized"), sessionID: sessionID)
            }
            initialized = true
        }
        guard case .request(let id, _) = kind else {
            incomingContinuation.yield(body)
            return .accepted(headers: [HTTPHeaderName.sessionID: sessionID])
        }
        let (stream, continuation) = AsyncThrowingStream<Data, Error>.makeStream()
        requestStreams[id] = continuation
        requestContexts[id] = request
        prime(streamID: id, continuation: continuation, protocolVersion: Self.protocolVersion(of: body, request: request))
        incomingContinuation.yield(body)
        return .stream(stream, headers: streamHeaders)
    }

    private func get(_ request: MCP.HTTPRequest) -> MCP.HTTPResponse {
        if let refusal = validate(request, method: "GET", initializing: false) { return refusal }
        let version = request.header(HTTPHeaderName.protocolVersion) ?? Version.latest
        if let lastEventID = request.header(HTTPHeaderName.lastEventID) {
            guard let resumed = replay.replay(after: lastEventID) else {
                return .error(statusCode: 400, .invalidRequest("Invalid Last-Event-ID (unknown, or no longer held)"), sessionID: sessionID)
            }
            let (stream, continuation) = AsyncThrowingStream<Data, Error>.makeStream()
            for event in resumed.events { continuation.yield(Self.sse(id: event.id, message: event.message)) }
            if resumed.streamID == Self.standaloneStreamID {
                standalone?.finish()
                adoptStandalone(continuation)
            } else if requestStreams[resumed.streamID] != nil {
                requestStreams[resumed.streamID]?.finish()
                requestStreams[resumed.streamID] = continuation
            } else {
                continuation.finish()  // that request was answered already: everything it sent was just replayed
                return .stream(stream, headers: streamHeaders)
            }
            prime(streamID: resumed.streamID, continuation: continuation, protocolVersion: version)
            return .stream(stream, headers: streamHeaders)
        }
        guard standalone == nil else {
            return .error(statusCode: 409, .invalidRequest("Conflict: Only one SSE stream is allowed per session"), sessionID: sessionID)
        }
        let (stream, continuation) = AsyncThrowingStream<Data, Error>.makeStream()
        adoptStandalone(continuation)
        prime(streamID: Self.standaloneStreamID, continuation: continuation, protocolVersion: version)
        return .stream(stream, headers: streamHeaders)
    }

    /// Makes `continuation` the session's GET stream; when the client drops it, it may open another.
    private func adoptStandalone(_ continuation: AsyncThrowingStream<Data, Error>.Continuation) {
        standaloneGeneration += 1
        let generation = standaloneGeneration
        continuation.onTermination = { [weak self] _ in Task { await self?.standaloneEnded(generation) } }
        standalone = continuation
    }

    private func standaloneEnded(_ generation: Int) {
        if generation == standaloneGeneration { standalone = nil }
    }

    private func validate(_ request: MCP.HTTPRequest, method: String, initializing: Bool) -> MCP.HTTPResponse? {
        validation.validate(
            request,
            context: HTTPValidationContext(
                httpMethod: method, sessionID: initialized ? sessionID : nil, isInitializationRequest: initializing,
                supportedProtocolVersions: Version.supported))
    }

    private func deliver(_ data: Data, on streamID: String, to continuation: AsyncThrowingStream<Data, Error>.Continuation?) {
        let eventID = replay.append(streamID: streamID, message: data)
        continuation?.yield(Self.sse(id: eventID, message: data))
    }

    /// An empty first event with an id, so a client can resume the stream from its very start (protocol 2025-03-26 on).
    private func prime(streamID: String, continuation: AsyncThrowingStream<Data, Error>.Continuation, protocolVersion: String) {
        guard protocolVersion >= "2025-03-26" else { return }
        let eventID = replay.append(streamID: streamID, message: nil)
        continuation.yield(Data("id: \(eventID)\ndata: \n\n".utf8))
    }

    private var streamHeaders: [String: String] {
        [
            HTTPHeaderName.sessionID: sessionID, HTTPHeaderName.contentType: "text/event-stream",
            HTTPHeaderName.cacheControl: "no-cache, no-transform", HTTPHeaderName.connection: "keep-alive",
        ]
    }

    private func terminate() {
        guard !terminated else { return }
        terminated = true
        for continuation in requestStreams.values { continuation.finish() }
        requestStreams.removeAll()
        requestContexts.removeAll()
        standalone?.finish()
        standalone = nil
        replay.removeAll()
        incomingContinuation.finish()
    }

    /// One message as an event-stream event.
    static func sse(id: String, message: Data) -> Data {
        Data("id: \(id)\nevent: message\ndata: ".utf8) + message + Data("\n\n".utf8)
    }

    /// The protocol version a request speaks: `initialize` names it in its parameters, later requests in a header.
    static func protocolVersion(of body: Data, request: MCP.HTTPRequest) -> String {
        if let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any], json["method"] as? String == "initialize",
            let version = (json["params"] as? [String: Any])?["protocolVersion"] as? String
        {
            return version
        }
        return request.header(HTTPHeaderName.protocolVersion) ?? Version.latest
    }
}
