import DocketAPI
import Foundation
import Logging

/// The one type implementing the generated `APIProtocol`; holds dependencies, one extension per resource holds the logic.
struct APIHandler: APIProtocol {
    let database: DocketDatabase
    let documents: ContractDocuments
    let accounts: AccountService
    let sessions: SessionService
    let emailLinks: EmailLinkService
    let tasks: TaskService
    let personalTokens: PersonalAccessTokenService
    let jobs: JobQueue
    let sagas: SagaService
    let exportLinks: ExportLinks
    let events: EventFeed
    let eventStore: EventStore
    let webhooks: WebhookService
    let toolCalls: ToolCallLog
    let authenticator: Authenticator
    let rateLimiter: RateLimiter
    let audit: AuditLog
    let settings: AuthSettings
    let serverSettings: ServerSettings
    /// The broker events are published to, if any (readiness watches the relay's backlog).
    let broker: BrokerSettings?
    /// The base URL clients reach this server at.
    let publicURL: String
    let metrics: DocketMetrics
    let logger: Logger

    /// The current request, published by `RequestScopeMiddleware`.
    var request: ScopedRequest {
        get throws {
            guard let current = RequestScope.current else { throw AppError(.internalError, "No request scope.") }
            return current
        }
    }

    /// The current request's logger, falling back to the application logger outside a request.
    var requestLogger: Logger { RequestScope.current?.context.logger ?? logger }

    /// The caller if their credential allows `access`: 401 without a valid one, 403 for a personal access token that
    /// lacks the scope or may not manage the account. Requests with a personal access token draw from its rate limits;
    /// task writes draw from the account's write budget whatever the credential.
    func requireUser(_ access: RequiredAccess) async throws -> AuthenticatedUser {
        let caller = try await authenticatedCaller(access)
        if case .scope(.tasksWrite) = access { try await chargeWrite(caller) }
        return caller
    }

    private func authenticatedCaller(_ access: RequiredAccess) async throws -> AuthenticatedUser {
        let request = try self.request
        let caller = try await authenticator.authenticate(
            authorization: request.head.headerFields[.authorization], origin: request.origin, logger: requestLogger)
        guard case .personalAccessToken(let tokenID, _) = caller.credential else { return caller }
        switch access {
        case .session: throw AppError.sessionRequired
        case .scope(let scope): guard caller.holds(scope) else { throw AppError.insufficientScope(scope) }
        }
        try await limit(RateLimiter.tokenBuckets(tokenID: tokenID, userID: caller.id, settings: settings))
        return caller
    }

    /// Who is making this request's changes, for the events they produce.
    func changeSource(_ caller: AuthenticatedUser) throws -> ChangeSource {
        ChangeSource.caller(caller, requestID: try request.context.requestID)
    }

    /// The caller's account, if their credential allows `access` (a 401 when the account is gone).
    func requireAccount(_ access: RequiredAccess) async throws -> UserModel {
        let caller = try await requireUser(access)
        return try await accounts.account(id: caller.id, logger: requestLogger)
    }

    /// A 422 naming every `null` in the JSON body (the generated decoders read `null` as absent) except at the pointers
    /// `nullable` accepts.
    func rejectExplicitNulls(except nullable: (String) -> Bool = { _ in false }) throws {
        guard let buffer = try request.context.collectedBody, let body = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) else {
            return
        }
        let nulls = Self.nullPointers(in: body, at: "").filter { !nullable($0) }
        guard nulls.isEmpty else { throw AppError.validation(nulls.map { FieldError(pointer: $0, message: "must not be null") }) }
    }

    /// The JSON pointers of every `null` inside `value`.
    private static func nullPointers(in value: Any, at pointer: String) -> [String] {
        switch value {
        case is NSNull: return [pointer]
        case let object as [String: Any]: return object.keys.sorted().flatMap { nullPointers(in: object[$0]!, at: pointer + "/" + $0) }
        case let array as [Any]: return array.enumerated().flatMap { nullPointers(in: $0.element, at: pointer + "/\($0.offset)") }
        default: return []
        }
    }

    /// The signed-in caller if an admin with a session, else a 403 problem (401 when not signed in).
    func requireAdmin() async throws -> AuthenticatedUser {
        let user = try await requireUser(.session)
        guard user.role == .admin else { throw AppError.forbidden("This endpoint is for admins.") }
        return user
    }
}
