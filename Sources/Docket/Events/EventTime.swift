import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// RFC 3339 UTC timestamps for event payloads: whole seconds where REST shows whole seconds, microseconds for the
/// envelope's `time`. Written with `gmtime_r`, not Foundation's formatter (per event, on the write path).
enum EventTime {
    /// `2026-12-02T13:20:00Z`, as REST shows task and user times.
    static func seconds(_ microseconds: Int64) -> String {
        stamp(microseconds.floorDivided(by: 1_000_000), fraction: nil)
    }

    /// `seconds(_:)` for a `Date`.
    static func seconds(_ date: Date) -> String { seconds(Microseconds.of(date)) }

    /// `2026-12-02T13:20:00.123456Z`.
    static func precise(_ microseconds: Int64) -> String {
        let whole = microseconds.floorDivided(by: 1_000_000)
        return stamp(whole, fraction: Int(microseconds - whole * 1_000_000))
    }

    private static func stamp(_ seconds: Int64, fraction: Int?) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var text = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
        text += "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
        if let fraction { text += "." + pad(Int32(fraction), 6) }
        return text + "Z"
    }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
