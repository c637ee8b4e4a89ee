import CoreMetrics
import Foundation

/// Where log lines go: standard output by default, standard error when standard output carries a protocol (`docket
/// mcp`), or memory for tests. A buffered sink (the server's) hands lines to a writer thread, so a request never
/// waits on the terminal or pipe; it writes at least every 20 ms, flushes on `flush()`, and when its buffer is full it
/// drops lines, counts them (`docket_log_lines_dropped_total`) and says how many it dropped in the next line it writes.
public final class LogSink: @unchecked Sendable {
    private let condition = NSCondition()
    private var captured: [String]?
    /// The file descriptor written to (-1 for memory).
    let descriptor: Int32
    private let buffered: Bool
    /// Guarded by `condition`: bytes waiting for the writer thread, lines dropped since the last write, whether the
    /// writer is busy with a batch, and the drop counter once metrics exist.
    private var pending: [UInt8] = []
    private var droppedSinceWrite = 0
    private var writing = false
    private var dropCounter: CoreMetrics.Counter?
    private var stopping = false
    /// How many bytes may wait before lines are dropped.
    let capacity: Int

    /// A sink writing to standard output (through a writer thread when `buffered`).
    public static func standardOutput(buffered: Bool = false) -> LogSink {
        LogSink(capturing: false, descriptor: STDOUT_FILENO, buffered: buffered)
    }
    /// A sink handing lines to a writer thread that writes them to `descriptor`; at most `capacity` bytes wait.
    static func buffered(descriptor: Int32, capacity: Int) -> LogSink {
        LogSink(capturing: false, descriptor: descriptor, buffered: true, capacity: capacity)
    }
    /// A sink writing to standard error.
    public static func standardError() -> LogSink { LogSink(capturing: false, descriptor: STDERR_FILENO, buffered: false) }
    /// A sink that keeps lines in memory, for tests.
    public static func memory() -> LogSink { LogSink(capturing: true, descriptor: -1, buffered: false) }

    private init(capturing: Bool, descriptor: Int32, buffered: Bool, capacity: Int = 4 << 20) {
        captured = capturing ? [] : nil
        self.capacity = capacity
        self.descriptor = descriptor
        self.buffered = buffered
        if buffered {
            let thread = Thread { self.writeLoop() }  // holds the sink until `close()`
            thread.name = "docket-log-writer"
            thread.start()
        }
    }

    /// Counts dropped lines in `counter` from now on.
    public func countDrops(in counter: CoreMetrics.Counter) {
        condition.withLock { dropCounter = counter }
    }

    func write(_ line: String) {
        condition.lock()
        defer { condition.unlock() }
        if captured != nil {
            captured!.append(line)
        } else if !buffered || stopping {
            writeAll(Array(line.utf8))
        } else if pending.count + line.utf8.count > capacity {
            droppedSinceWrite += 1
            dropCounter?.increment()
        } else {
            pending.append(contentsOf: line.utf8)
        }
    }

    /// Returns once every line written before the call is out of the process.
    public func flush() {
        guard buffered else { return }
        condition.lock()
        defer { condition.unlock() }
        while !pending.isEmpty || writing || droppedSinceWrite > 0 {
            condition.broadcast()
            condition.wait(until: Date(timeIntervalSinceNow: 0.01))
        }
    }

    /// Flushes, then ends the writer thread; lines written afterwards are written directly.
    func close() {
        flush()
        condition.withLock { stopping = true }
    }

    /// The writer thread: takes what is pending every 20 ms (or when woken by `flush`) and writes it outside the lock.
    private func writeLoop() {
        while true {
            condition.lock()
            if stopping && pending.isEmpty && droppedSinceWrite == 0 {
                condition.unlock()
                return
            }
            if pending.isEmpty && droppedSinceWrite == 0 { condition.wait(until: Date(timeIntervalSinceNow: 0.02)) }
            var batch: [UInt8] = []
            swap(&batch, &pending)
            let dropped = droppedSinceWrite
            droppedSinceWrite = 0
            writing = true
            condition.unlock()
            if dropped > 0 {
                batch += Array(#"{"level":"warning","message":"log lines dropped: the log buffer was full","dropped":\#(dropped)}"#.utf8) + [0x0A]
            }
            if !batch.isEmpty { writeAll(batch) }
            condition.lock()
            writing = false
            condition.broadcast()
            condition.unlock()
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// Lines written so far (memory sinks only).
    public var lines: [String] {
        condition.withLock { captured ?? [] }
    }
}
