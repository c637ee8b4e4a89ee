import Logging
import SQLKit

/// Named leases in the database, so that one node at a time does a piece of work (publishing the outbox) and another
/// takes over when the holder stops renewing.
struct LeaseStore: Sendable {
    let database: DocketDatabase

    /// Takes `name` for `holder` until `ttl` from now if it is free, expired or already `holder`'s; returns whether
    /// `holder` holds it now.
    func acquire(_ name: String, holder: String, ttl: Duration, logger: Logger) async throws -> Bool {
        let now = Microseconds.now()
        let until = now + ttl.components.seconds * 1_000_000 + ttl.components.attoseconds / 1_000_000_000_000
        let row = try await database.sql(logger: logger).raw(
            """
            INSERT INTO leases (name, holder, expires_at) VALUES (\(bind: name), \(bind: holder), \(bind: until))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at < \(bind: now)
            RETURNING holder
            """
        ).first()
        return row != nil
    }

    /// Gives `name` up if `holder` holds it (a node stopping gracefully hands over at once).
    func release(_ name: String, holder: String, logger: Logger) async throws {
        try await database.sql(logger: logger).delete(from: "leases").where("name", .equal, SQLBind(name)).where("holder", .equal, SQLBind(holder))
            .run()
    }
}
