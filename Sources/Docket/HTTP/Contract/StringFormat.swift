import Foundation

/// The string formats the contract uses, checked the way the server reads them.
enum StringFormat {
    /// Why `text` is not a valid `format`, or nil when it is (or the format is not one Docket checks).
    static func problem(with text: String, format: String) -> String? {
        switch format {
        case "uuid": UUID(uuidString: text) == nil ? "must be a UUID" : nil
        case "date": TaskRules.isCalendarDate(text) ? nil : "must be a calendar date written YYYY-MM-DD"
        case "date-time": isDateTime(text) ? nil : "must be an RFC 3339 date-time, e.g. 2026-12-02T10:00:00Z"
        default: nil
        }
    }

    /// RFC 3339 `date-time`: a calendar date, `T`, a valid time with optional fraction, and `Z` or an offset.
    static func isDateTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, TaskRules.isCalendarDate(String(decoding: bytes[0..<10], as: UTF8.self)),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t")
        else { return false }
        let digits = { (range: Range<Int>) -> Int? in
            guard range.upperBound <= bytes.count, bytes[range].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        guard let hour = digits(11..<13), bytes[13] == UInt8(ascii: ":"), let minute = digits(14..<16), bytes[16] == UInt8(ascii: ":"),
            let second = digits(17..<19), hour < 24, minute < 60, second < 61
        else { return false }
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > start else { return false }
        }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") { return index + 1 == bytes.count }
        guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), index + 6 == bytes.count,
            let offsetHour = digits(index + 1..<index + 3), bytes[index + 3] == UInt8(ascii: ":"), let offsetMinute = digits(index + 4..<index + 6)
        else { return false }
        return offsetHour < 24 && offsetMinute < 60
    }
}
