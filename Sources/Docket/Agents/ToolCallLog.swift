import Foundation
import Logging
import SQLKit

/// Reads the agent activity log (written by `ToolCallRecorder`), newest first, in keyset pages.
struct ToolCallLog: Sendable {
    let database: DocketDatabase

    /// What to list.
    struct Filter: Sendable {
        /// Whose calls; nil lists everyone's (admins only).
        var userID: UUID?
        var tool: String?
        var outcome: String?
        var tokenID: UUID?
    }

    /// One page after `cursor` (from a previous page's `nextCursor`), with the cursor of the next page.
    func list(_ filter: Filter, limit: Int, cursor: String?, logger: Logger) async throws -> (items: [ToolCallEntry], nextCursor: String?) {
        var query = database.sql(logger: logger).select().column("*").from("tool_calls")
        if let userID = filter.userID { query = query.where("user_id", .equal, SQLBind(userID)) }
        if let tool = filter.tool { query = query.where("tool", .equal, SQLBind(tool)) }
        if let outcome = filter.outcome { query = query.where("outcome", .equal, SQLBind(outcome)) }
        if let tokenID = filter.tokenID { query = query.where("token_id", .equal, SQLBind(tokenID)) }
        if let cursor {
            guard let (createdAt, id) = Self.decode(cursor) else {
                throw AppError(.badRequest, "The cursor is invalid; start again without it.")
            }
            query = query.where(
                SQLGroupExpression(
                    SQLBinaryExpression(
                        SQLGroupExpression([SQLIdentifier("created_at"), SQLIdentifier("id")] as [any SQLExpression]), .lessThan,
                        SQLGroupExpression([SQLBind(createdAt), SQLBind(id)] as [any SQLExpression]))))
        }
        let rows = try await query.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit + 1)
            .all(decoding: ToolCallEntry.self)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { Self.encode(createdAt: $0.createdAt, id: $0.id) } : nil
        return (page, next)
    }

    private static func encode(createdAt: Int64, id: UUID) -> String {
        Data("\(createdAt)|\(id.uuidString.lowercased())".utf8).base64URLEncodedString()
    }

    private static func decode(_ cursor: String) -> (Int64, UUID)? {
        guard let data = Data(base64URLEncoded: cursor) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|")
        guard parts.count == 2, let createdAt = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        return (createdAt, id)
    }
}
