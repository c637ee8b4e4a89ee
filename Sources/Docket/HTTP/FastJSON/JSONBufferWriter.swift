import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes JSON straight into a `ByteBuffer` for the hot responses (a task, a page of tasks, a problem), in the order
/// the caller writes keys. Strings are escaped as RFC 8259 requires (quote, backslash, control characters); everything
/// else, including non-ASCII text, is copied as UTF-8.
struct JSONBufferWriter {
    private(set) var buffer: ByteBuffer
    private var needsComma = false

    /// A writer with room for `capacity` bytes before it grows.
    init(capacity: Int) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Writes `{`, the members `body` writes, and `}`.
    mutating func object(_ body: (inout JSONBufferWriter) -> Void) {
        separate()
        buffer.writeInteger(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        buffer.writeInteger(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Writes `"key":` and then, through `body`, an array of the values `body` writes.
    mutating func array(_ key: StaticString, _ body: (inout JSONBufferWriter) -> Void) {
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "["))
        needsComma = false
        body(&self)
        buffer.writeInteger(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A string member.
    mutating func member(_ key: StaticString, _ value: String) {
        self.key(key)
        writeString(value)
    }

    /// An integer member.
    mutating func member(_ key: StaticString, _ value: some BinaryInteger) {
        self.key(key)
        buffer.writeString(String(value))
    }

    /// An integer member whose key is only known at run time (a problem's extension members).
    mutating func member(dynamic key: String, _ value: some BinaryInteger) {
        dynamicKey(key)
        buffer.writeString(String(value))
    }

    /// A string member whose key is only known at run time.
    mutating func member(dynamic key: String, _ value: String) {
        dynamicKey(key)
        writeString(value)
    }

    private mutating func dynamicKey(_ key: String) {
        separate()
        writeString(key)
        buffer.writeInteger(UInt8(ascii: ":"))
        needsComma = true
    }

    /// A member holding a UUID, lower-cased as the API writes ids.
    mutating func member(_ key: StaticString, uuid value: UUIDText) {
        self.key(key)
        buffer.writeInteger(UInt8(ascii: "\""))
        value.write(into: &buffer)
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// A member holding an RFC 3339 timestamp in whole seconds (`2026-11-22T10:00:00Z`), from Unix seconds.
    mutating func member(_ key: StaticString, timestamp seconds: Int64) {
        self.key(key)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        buffer.writeInteger(UInt8(ascii: "\""))
        writeDigits(Int(parts.tm_year) + 1900, 4)
        buffer.writeInteger(UInt8(ascii: "-"))
        writeDigits(Int(parts.tm_mon) + 1, 2)
        buffer.writeInteger(UInt8(ascii: "-"))
        writeDigits(Int(parts.tm_mday), 2)
        buffer.writeInteger(UInt8(ascii: "T"))
        writeDigits(Int(parts.tm_hour), 2)
        buffer.writeInteger(UInt8(ascii: ":"))
        writeDigits(Int(parts.tm_min), 2)
        buffer.writeInteger(UInt8(ascii: ":"))
        writeDigits(Int(parts.tm_sec), 2)
        buffer.writeStaticString("Z\"")
    }

    private mutating func key(_ key: StaticString) {
        separate()
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(key)
        buffer.writeStaticString("\":")
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { buffer.writeInteger(UInt8(ascii: ",")) }
    }

    private mutating func writeDigits(_ value: Int, _ count: Int) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes `text` as a JSON string: runs without anything to escape are copied in one go.
    private mutating func writeString(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                default:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(Self.hexDigits[Int(byte >> 4)])
                    buffer.writeInteger(Self.hexDigits[Int(byte & 0x0F)])
                }
            }
            if runStart < bytes.count { buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}

/// A UUID written as the API writes ids: 36 lower-case characters, without making a `String` first.
struct UUIDText {
    let uuid: uuid_t

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the 36 characters to `buffer`.
    func write(into buffer: inout ByteBuffer) {
        withUnsafeBytes(of: uuid) { bytes in
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { buffer.writeInteger(UInt8(ascii: "-")) }
                buffer.writeInteger(Self.hexDigits[Int(byte >> 4)])
                buffer.writeInteger(Self.hexDigits[Int(byte & 0x0F)])
            }
        }
    }
}
