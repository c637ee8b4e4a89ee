import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Writes each log record as one JSON object per line: timestamp, level, message, then metadata keys.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let sink: LogSink

    /// A handler writing to `sink` at `level` and above.
    public init(label: String, level: Logger.Level, sink: LogSink) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        write(level: event.level, message: event.message, explicit: event.metadata)
    }

    public func log(
        level: Logger.Level,
        message: Logger.Message,
        metadata explicit: Logger.Metadata?,
        source: String,
        file: String,
        function: String,
        line: UInt
    ) {
        write(level: level, message: message, explicit: explicit)
    }

    private func write(level: Logger.Level, message: Logger.Message, explicit: Logger.Metadata?) {
        var line = "{\"timestamp\":\"\(Self.timestamp())\",\"level\":\"\(level.rawValue)\",\"message\":"
        Self.appendJSONString(message.description, to: &line)
        var merged = metadata
        if let explicit { merged.merge(explicit) { _, new in new } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !key.hasPrefix("hb.") {
            line += ","
            Self.appendJSONString(key, to: &line)
            line += ":"
            Self.appendValue(value, to: &line)
        }
        line += "}\n"
        sink.write(line)
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text): appendJSONString(text, to: &line)
        case .stringConvertible(let convertible):
            if let number = convertible as? any BinaryInteger {
                line += "\(number)"
            } else if let number = convertible as? Double, number.isFinite {
                line += "\(number)"
            } else {
                appendJSONString(convertible.description, to: &line)
            }
        case .array(let values):
            line += "["
            for (index, element) in values.enumerated() {
                if index > 0 { line += "," }
                appendValue(element, to: &line)
            }
            line += "]"
        case .dictionary(let values):
            line += "{"
            for (index, (key, element)) in values.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { line += "," }
                appendJSONString(key, to: &line)
                line += ":"
                appendValue(element, to: &line)
            }
            line += "}"
        }
    }

    static func appendJSONString(_ text: String, to line: inout String) {
        line += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.value < 0x20:
                line += String(format: "\\u%04x", scalar.value)
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        // Hand-formatted: `String(format:)` showed up in profiles of busy servers.
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: 24)
        func put(_ value: Int, _ digits: Int, _ offset: Int) {
            var value = value
            for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(Int(parts.tm_year) + 1900, 4, 0)
        bytes[4] = UInt8(ascii: "-")
        put(Int(parts.tm_mon) + 1, 2, 5)
        bytes[7] = UInt8(ascii: "-")
        put(Int(parts.tm_mday), 2, 8)
        bytes[10] = UInt8(ascii: "T")
        put(Int(parts.tm_hour), 2, 11)
        bytes[13] = UInt8(ascii: ":")
        put(Int(parts.tm_min), 2, 14)
        bytes[16] = UInt8(ascii: ":")
        put(Int(parts.tm_sec), 2, 17)
        bytes[19] = UInt8(ascii: ".")
        put(Int(now.tv_nsec / 1_000_000), 3, 20)
        bytes[23] = UInt8(ascii: "Z")
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Logger {
    /// A logger in the configured format, writing to `sink`.
    public static func docket(label: String = "docket", level: Logger.Level, format: LogFormat, sink: LogSink = .standardOutput()) -> Logger {
        switch format {
        case .json:
            return Logger(label: label) { label in JSONLogHandler(label: label, level: level, sink: sink) }
        case .text:
            let toStandardError = sink.descriptor == STDERR_FILENO
            var logger = Logger(label: label) { label in
                toStandardError ? StreamLogHandler.standardError(label: label) : StreamLogHandler.standardOutput(label: label)
            }
            logger.logLevel = level
            return logger
        }
    }
}
