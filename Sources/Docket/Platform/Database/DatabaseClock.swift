import SQLKit

/// The database server's own time, in microseconds since 1970, as an SQL expression: leases are written and compared
/// on this one clock, so a node whose clock runs fast or slow cannot take a lease early or keep one late.
enum DatabaseClock {
    /// The expression for `location`'s backend.
    static func now(_ location: DatabaseLocation) -> SQLQueryString {
        switch location {
        case .postgres: "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)"
        // julianday('now') has millisecond precision; 2440587.5 is 1970-01-01 as a Julian day.
        case .sqlite: "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)"
        }
    }
}
