import Foundation
import OpenAPIRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// RFC 3339 timestamps (`2026-11-22T10:00:00Z`) for the OpenAPI runtime, written and read without ICU.
/// Profiling showed Foundation's `ISO8601DateFormatter` costing about a third of JSON encoding on list responses.
struct ISO8601Transcoder: DateTranscoder {
    private let fallback = ISO8601DateTranscoder.iso8601WithFractionalSeconds

    func encode(_ date: Date) throws -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var bytes = [UInt8](repeating: 0, count: 20)
        Self.write(Int(parts.tm_year) + 1900, digits: 4, into: &bytes, at: 0)
        bytes[4] = UInt8(ascii: "-")
        Self.write(Int(parts.tm_mon) + 1, digits: 2, into: &bytes, at: 5)
        bytes[7] = UInt8(ascii: "-")
        Self.write(Int(parts.tm_mday), digits: 2, into: &bytes, at: 8)
        bytes[10] = UInt8(ascii: "T")
        Self.write(Int(parts.tm_hour), digits: 2, into: &bytes, at: 11)
        bytes[13] = UInt8(ascii: ":")
        Self.write(Int(parts.tm_min), digits: 2, into: &bytes, at: 14)
        bytes[16] = UInt8(ascii: ":")
        Self.write(Int(parts.tm_sec), digits: 2, into: &bytes, at: 17)
        bytes[19] = UInt8(ascii: "Z")
        return String(decoding: bytes, as: UTF8.self)
    }

    func decode(_ text: String) throws -> Date {
        let bytes = Array(text.utf8)
        if bytes.count == 20, bytes[19] == UInt8(ascii: "Z"), bytes[10] == UInt8(ascii: "T"),
            let year = Self.number(bytes, 0, 4), let month = Self.number(bytes, 5, 2), let day = Self.number(bytes, 8, 2),
            let hour = Self.number(bytes, 11, 2), let minute = Self.number(bytes, 14, 2), let second = Self.number(bytes, 17, 2)
        {
            var parts = tm()
            parts.tm_year = Int32(year - 1900)
            parts.tm_mon = Int32(month - 1)
            parts.tm_mday = Int32(day)
            parts.tm_hour = Int32(hour)
            parts.tm_min = Int32(minute)
            parts.tm_sec = Int32(second)
            return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
        }
        if let date = try? fallback.decode(text) { return date }
        return try ISO8601DateTranscoder.iso8601.decode(text)
    }

    private static func write(_ value: Int, digits: Int, into bytes: inout [UInt8], at offset: Int) {
        var value = value
        for index in stride(from: offset + digits - 1, through: offset, by: -1) {
            bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
    }

    private static func number(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int? {
        var value = 0
        for byte in bytes[offset..<(offset + count)] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
