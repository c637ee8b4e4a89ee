import Foundation

/// Microsecond timestamps, the storage form of task times.
enum Microseconds {
    static func now() -> Int64 { of(Date()) }
    static func of(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down)) }
    static func date(_ value: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(value) / 1_000_000) }
}
