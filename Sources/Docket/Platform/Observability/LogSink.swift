import Foundation

/// Where log lines go: standard output by default, standard error when standard output carries a protocol (`docket
/// mcp`), or memory for tests. Writes are serialised.
public final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private var captured: [String]?
    private let descriptor: Int32

    /// A sink writing to standard output.
    public static func standardOutput() -> LogSink { LogSink(capturing: false, descriptor: STDOUT_FILENO) }
    /// A sink writing to standard error.
    public static func standardError() -> LogSink { LogSink(capturing: false, descriptor: STDERR_FILENO) }
    /// A sink that keeps lines in memory, for tests.
    public static func memory() -> LogSink { LogSink(capturing: true, descriptor: -1) }

    private init(capturing: Bool, descriptor: Int32) {
        captured = capturing ? [] : nil
        self.descriptor = descriptor
    }

    func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        if captured != nil {
            captured!.append(line)
        } else {
            var line = line
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }

    /// Lines written so far (memory sinks only).
    public var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return captured ?? []
    }
}
