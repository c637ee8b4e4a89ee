import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import ServiceLifecycle

/// `/mcp`: MCP's Streamable HTTP transport, served by the official SDK behind Docket's own authentication. Each
/// session has its own SDK server and transport, bound to the credential that opened it.
struct MCPEndpoint: Sendable {
    let sessions: MCPSessions
    let factory: MCPServerFactory
    let authenticator: Authenticator
    let rateLimiter: RateLimiter
    let authSettings: AuthSettings
    let settings: MCPSettings
    let publicURL: String
    let maxBodyBytes: Int

    /// Where clients discover how to authenticate (RFC 9728).
    var resourceMetadataURL: String { "\(publicURL)/.well-known/oauth-protected-resource" }

    /// Adds the `/mcp` routes (after the middleware, so problems, limits and logs apply to them too).
    func register(on router: Router<DocketRequestContext>) {
        router.post("/mcp") { request, context in try await self.handle(request, context: context) }
        router.delete("/mcp") { request, context in try await self.handle(request, context: context) }
        // The standalone server-to-client stream of a session (progress notifications travel on it).
        router.get("/mcp") { request, context in try await self.handle(request, context: context) }
    }

    private func handle(_ request: Request, context: DocketRequestContext) async throws -> Response {
        let origin = RequestOrigin(ip: context.remoteAddress, userAgent: request.headers[.userAgent], requestID: context.requestID)
        let caller = try await authenticate(request, origin: origin, logger: context.logger)
        var buffer = context.collectedBody
        if buffer == nil { buffer = try await request.body.collect(upTo: maxBodyBytes) }
        let body = Data(buffer: buffer!)
        let forward = MCP.HTTPRequest(method: request.method.rawValue, headers: headers(of: request, context: context), body: body, path: "/mcp")
        if let sessionID = request.headers[.mcpSessionID] {
            guard let session = await sessions.session(sessionID) else {
                return Self.jsonRPCError(status: .notFound, code: -32001, "Session not found; initialize a new one.")
            }
            guard session.credentialKey == MCPSession.credentialKey(of: caller) else {
                throw AppError.forbidden("This MCP session was opened with another credential.")
            }
            await sessions.renew(sessionID, watch: watch(request, origin: origin, logger: context.logger))
            guard let transport = session.transport else { return Self.jsonRPCError(status: .notFound, code: -32001, "Session not found.") }
            let response = await transport.handle(forward)
            if request.method == .delete { await sessions.close(sessionID) }
            return Self.response(response)
        }
        guard request.method == .post, Self.isInitialize(body) else {
            return Self.jsonRPCError(status: .badRequest, code: -32600, "Bad Request: Mcp-Session-Id header is required (send initialize first).")
        }
        return await open(caller: caller, request: forward, watch: watch(request, origin: origin, logger: context.logger), logger: context.logger)
    }

    /// A watch on the credential `request` carries.
    private func watch(_ request: Request, origin: RequestOrigin, logger: Logger) -> CredentialWatch {
        authenticator.watch(authorization: request.headers[.authorization], origin: origin, logger: logger)
    }

    /// Opens a session for an `initialize` request.
    private func open(caller: AuthenticatedUser, request: MCP.HTTPRequest, watch: CredentialWatch, logger: Logger) async -> Response {
        let id = SecureToken.generate()
        let transport = MCPSessionTransport(
            sessionID: id,
            validation: StandardValidationPipeline(validators: [
                OriginValidator(allowedHosts: settings.hosts(publicURL: publicURL), allowedOrigins: settings.origins(publicURL: publicURL)),
                AcceptHeaderValidator(mode: .sseRequired), ContentTypeValidator(), ProtocolVersionValidator(), SessionValidator(),
            ]))
        let server = await factory.makeServer(sessionID: id, caller: caller)
        let sessions = self.sessions
        do {
            try await server.start(transport: transport) { client, _ in
                await sessions.noteClient(id, name: client.name, version: client.version)
            }
        } catch {
            logger.error("MCP session could not start", metadata: ["error": .string(String(describing: error))])
            return Self.jsonRPCError(status: .internalServerError, code: -32603, "The session could not start.")
        }
        await sessions.add(
            MCPSession(
                id: id, server: server, transport: transport, userID: caller.id, credentialKey: MCPSession.credentialKey(of: caller),
                lastUsed: Date(), watch: watch))
        let response = await transport.handle(request)
        if response.statusCode != 200 { await sessions.close(id) }
        return Self.response(response)
    }

    /// The caller, or a 401 whose challenge points at the protected-resource metadata; every caller draws from the
    /// agent limits (a session's access token like a personal access token).
    private func authenticate(_ request: Request, origin: RequestOrigin, logger: Logger) async throws -> AuthenticatedUser {
        let caller: AuthenticatedUser
        do {
            caller = try await authenticator.authenticate(authorization: request.headers[.authorization], origin: origin, logger: logger)
        } catch var error as AppError where error.kind == .unauthorized {
            let invalid = error.headers[.wwwAuthenticate]?.contains("invalid_token") == true
            error.headers[.wwwAuthenticate] = #"Bearer resource_metadata="\#(resourceMetadataURL)""# + (invalid ? #", error="invalid_token""# : "")
            throw error
        }
        try await rateLimiter.consume(RateLimiter.agentBuckets(for: caller, settings: authSettings), origin: origin, logger: logger)
        return caller
    }

    /// The request's headers for the SDK: `Host` restored from the authority (Hummingbird moves it there, and the SDK's
    /// DNS-rebinding check needs it), plus the request id and client address for the tool handlers.
    private func headers(of request: Request, context: DocketRequestContext) -> [String: String] {
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = headers[field.name.canonicalName].map { "\($0), \(field.value)" } ?? field.value
        }
        // Canonical (lower-case) names throughout, so no header appears twice under two spellings.
        if let authority = request.head.authority { headers["host"] = authority }
        headers[MCPHeaders.requestID.lowercased()] = context.requestID
        headers[MCPHeaders.clientAddress.lowercased()] = context.remoteAddress
        return headers
    }

    /// Whether a JSON-RPC body (a message or a batch) holds an `initialize` request.
    static func isInitialize(_ body: Data) -> Bool {
        let json = try? JSONSerialization.jsonObject(with: body)
        let messages = (json as? [Any]) ?? [json as Any]
        return messages.contains { ($0 as? [String: Any])?["method"] as? String == "initialize" }
    }

    /// The SDK's answer as a Hummingbird response (an event stream stays a stream).
    static func response(_ response: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in response.headers { if let name = HTTPField.Name(name) { fields[name] = value } }
        fields[.cacheControl] = fields[.cacheControl] ?? "no-store"
        let status = HTTPResponse.Status(code: response.statusCode)
        if case .stream(let stream, _) = response {
            // An event stream may stay open for long: it ends when the node shuts down, so shutdown never waits on it.
            return Response(
                status: status, headers: fields, body: ResponseBody(asyncSequence: stream.map { ByteBuffer(data: $0) }.cancelOnGracefulShutdown()))
        }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(data: response.bodyData ?? Data())))
    }

    /// A JSON-RPC error answer, as MCP clients expect from the transport (not a problem document).
    static func jsonRPCError(status: HTTPResponse.Status, code: Int, _ message: String) -> Response {
        let body = try! JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": NSNull(), "error": ["code": code, "message": message]])
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(data: body)))
    }
}

extension HTTPField.Name {
    static let mcpSessionID = HTTPField.Name("Mcp-Session-Id")!
}
