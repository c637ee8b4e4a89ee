import DocketAPI
import Foundation

extension APIHandler {
    func listAgentActivity(_ input: Operations.ListAgentActivity.Input) async throws -> Operations.ListAgentActivity.Output {
        let caller = try await requireUser(.scope(.agentActivityRead))
        let query = input.query
        var errors: [FieldError] = []
        if let tool = query.tool, tool.unicodeScalars.count > 100 || tool.unicodeScalars.contains(where: { $0.value == 0 }) {
            errors.append(FieldError(pointer: "#/query/tool", message: "must be at most 100 characters without NUL"))
        }
        if let cursor = query.cursor, cursor.unicodeScalars.count > 200 {
            errors.append(FieldError(pointer: "#/query/cursor", message: "is too long"))
        }
        try CredentialRules.check(errors)
        var filter = ToolCallLog.Filter(userID: caller.id, tool: query.tool, outcome: query.outcome?.rawValue)
        if let text = query.tokenId {
            guard let id = UUID(uuidString: text) else {
                throw AppError.validation([FieldError(pointer: "#/query/token_id", message: "must be a UUID")])
            }
            filter.tokenID = id
        }
        if query.userId != nil || query.all == true {
            guard caller.role == .admin, caller.sessionID != nil else {
                throw AppError.forbidden("Only an admin, signed in, may read other accounts' agent activity.")
            }
            filter.userID = try query.userId.map { text in
                guard let id = UUID(uuidString: text) else {
                    throw AppError.validation([FieldError(pointer: "#/query/user_id", message: "must be a UUID")])
                }
                return id
            }
        }
        let (limit, _) = try Paging.validate(limit: query.limit, offset: nil)
        let page = try await toolCalls.list(filter, limit: limit, cursor: query.cursor, logger: requestLogger)
        return .ok(
            .init(
                body: .json(
                    .init(items: page.items.map { Components.Schemas.ToolCall($0, showingArgumentsOf: caller.id) }, nextCursor: page.nextCursor))))
    }
}
