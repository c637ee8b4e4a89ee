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
    let authenticator: Authenticator
    let rateLimiter: RateLimiter
    let audit: AuditLog
    let settings: AuthSettings
    let serverSettings: ServerSettings
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

    /// The signed-in caller, or a 401 problem.
    func requireUser() async throws -> AuthenticatedUser {
        let request = try self.request
        return try await authenticator.authenticate(authorization: request.head.headerFields[.authorization], logger: requestLogger)
    }

    /// The signed-in caller's account (a 401 when there is no caller or the account is gone).
    func requireAccount() async throws -> UserModel {
        let caller = try await requireUser()
        return try await accounts.account(id: caller.id, logger: requestLogger)
    }

    /// The signed-in caller if an admin, else a 403 problem (401 when not signed in).
    func requireAdmin() async throws -> AuthenticatedUser {
        let user = try await requireUser()
        guard user.role == .admin else { throw AppError.forbidden("This endpoint is for admins.") }
        return user
    }
}
