import Foundation
import OpenAPIRuntime

/// Reads RFC 3339 times with or without fractional seconds (Docket writes whole seconds for accounts and
/// microseconds for tasks) and writes them with milliseconds.
struct RFC3339DateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(Self.fractional)
    }

    func decode(_ text: String) throws -> Date {
        if let date = try? Date(text, strategy: Self.fractional) { return date }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not an RFC 3339 time: \(text)"))
    }

    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
