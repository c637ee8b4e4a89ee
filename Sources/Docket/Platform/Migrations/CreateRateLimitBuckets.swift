import FluentKit

/// Token buckets for abuse limits, shared by every node through the database.
struct CreateRateLimitBuckets: AsyncMigration {
    var name: String { "2026-11-22-create-rate-limit-buckets" }

    func prepare(on database: any Database) async throws {
        try await database.schema("rate_limit_buckets")
            .field("key", .string, .identifier(auto: false))
            .field("tokens", .double, .required)
            .field("updated_at", .double, .required)
            .field("allowed", .int, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rate_limit_buckets").delete()
    }
}
