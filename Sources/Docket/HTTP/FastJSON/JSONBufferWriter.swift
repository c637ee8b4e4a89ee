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
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 22 bytes used: the quoted timestamp
        withUnsafeMutableBytes(of: &text) { bytes in
            func put(_ value: Int, _ count: Int, at offset: Int) {
                var rest = value
                for index in stride(from: offset + count - 1, through: offset, by: -1) {
                    bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            bytes[0] = UInt8(ascii: "\"")
            put(Int(parts.tm_year) + 1900, 4, at: 1)
            bytes[5] = UInt8(ascii: "-")
            put(Int(parts.tm_mon) + 1, 2, at: 6)
            bytes[8] = UInt8(ascii: "-")
            put(Int(parts.tm_mday), 2, at: 9)
            bytes[11] = UInt8(ascii: "T")
            put(Int(parts.tm_hour), 2, at: 12)
            bytes[14] = UInt8(ascii: ":")
            put(Int(parts.tm_min), 2, at: 15)
            bytes[17] = UInt8(ascii: ":")
            put(Int(parts.tm_sec), 2, at: 18)
            bytes[20] = UInt8(ascii: "Z")
            bytes[21] = UInt8(ascii: "\"")
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[0..<22]))
        }
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
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)  // 36 bytes used
        withUnsafeMutableBytes(of: &text) { output in
            withUnsafeBytes(of: uuid) { bytes in
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        output[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    output[position] = Self.hexDigits[Int(byte >> 4)]
                    output[position + 1] = Self.hexDigits[Int(byte & 0x0F)]
                    position += 2
                }
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: output[0..<36]))
        }
    }
}
