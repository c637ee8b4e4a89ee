import Foundation
import Testing

/// The built `docket` executable, run as a real process with its own environment.
struct DocketProcess {
    /// Held while a process is spawned: Foundation's `Process.run()` crashed twice in parallel runs (a bad pointer in
    /// its memmove); spawning one at a time rules out a race between concurrent spawns, so every test spawns here.
    private static let spawning = NSLock()

    /// Starts `process`, one spawn at a time across the test process.
    static func spawn(_ process: Process) throws {
        try spawning.withLock { try process.run() }
    }

    /// `.build/debug/docket` (or `DOCKET_BINARY`), built by `swift build --build-tests`.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["DOCKET_BINARY"] { return URL(fileURLWithPath: path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/docket")
    }

    /// What a finished command printed and returned.
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// An unstarted `docket arguments…` in the temporary directory with `environment` plus PATH and, under
    /// `swift test --enable-code-coverage`, the coverage profile path, so the CLI's coverage is counted and no
    /// `default.profraw` lands in the working tree.
    static func make(_ arguments: [String], environment: [String: String]) -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let inherited = ProcessInfo.processInfo.environment
        var passed = ["PATH": inherited["PATH"] ?? "/usr/bin"]
        // swift test's own pattern (one file per process, in the folder it merges from); online merging of one file across
        // processes (`%m`) corrupted counters here.
        passed["LLVM_PROFILE_FILE"] = inherited["LLVM_PROFILE_FILE"]
        process.environment = environment.merging(passed) { own, _ in own }
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        return process
    }

    /// Starts `docket arguments…` with `environment` (plus PATH) and its output discarded; the caller waits for it.
    static func start(_ arguments: [String], environment: [String: String]) throws -> Process {
        let process = make(arguments, environment: environment)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try spawn(process)
        return process
    }

    /// `run` on a thread of its own, for tests whose server runs in this process: a blocking wait on one of the
    /// few threads of Swift's cooperative pool could starve the server the command is talking to.
    static func runDetached(_ arguments: [String], environment: [String: String], input: String? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try run(arguments, environment: environment, input: input) })
            }
        }
    }

    /// Runs `docket arguments…` with a pseudo-terminal as its standard output (through util-linux `script`) and
    /// returns what it printed there.
    static func runOnTerminal(_ arguments: [String], environment: [String: String]) async throws -> String {
        let process = make([], environment: environment)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        let command = ([binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        process.arguments = ["-qec", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try spawn(process)
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let data = out.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
    }

    /// Runs `docket arguments…` to completion with `environment` (plus PATH), feeding `input` to standard input.
    static func run(_ arguments: [String], environment: [String: String], input: String? = nil, timeout: TimeInterval = 60) throws -> Result {
        let process = make(arguments, environment: environment)
        let out = Pipe()
        let err = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try spawn(process)
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        // The pipes are read on threads of their own, so a command that hangs is killed at its deadline instead of
        // blocking this thread (one of the cooperative pool's few) for ever.
        let stdoutDrain = PipeDrain(out.fileHandleForReading)
        let stderrDrain = PipeDrain(err.fileHandleForReading)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        let timedOut = process.isRunning
        if timedOut {
            process.terminate()
            usleep(500_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        let late = Date().addingTimeInterval(5)
        let stderr = String(decoding: stderrDrain.data(by: late), as: UTF8.self)
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdoutDrain.data(by: late), as: UTF8.self),
            stderr: timedOut ? stderr + "\n[killed: still running after \(Int(timeout)) s]" : stderr)
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class PipeDrain: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    /// Written by the reading thread before it signals `finished`; read only after that signal.
    private var read = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            read = handle.readDataToEndOfFile()
            finished.signal()
        }
    }

    /// Everything the pipe carried, once its writers closed it; nothing if that has not happened by `deadline`.
    func data(by deadline: Date) -> Data {
        finished.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow)) == .success ? read : Data()
    }
}

/// A minimal blocking HTTP/1.1 client over a raw socket, for tests that need partial writes.
final class RawConnection {
    private let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // No close here: a throwing class initializer still runs deinit, which closes the descriptor. Closing it twice
        // once closed a descriptor that a parallel test's SQLite connection had just been given.
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// What ended the last read, or the first failed send: for a failure message ("peer closed", "errno 9", …).
    private(set) var endReason = "open"

    func send(_ text: String) {
        let sent = text.utf8CString.withUnsafeBufferPointer { Glibc.send(descriptor, $0.baseAddress, $0.count - 1, 0) }
        if sent < 0 && endReason == "open" { endReason = "send failed: errno \(errno)" }
    }

    /// Reads until the peer closes or the timeout passes.
    func readAll() -> String {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            // A signal meant for another thread (a child process of a parallel test exiting) is not the end.
            if count < 0 && errno == EINTR { continue }
            if count < 0 { endReason = "recv failed: errno \(errno)" }
            if count == 0 { endReason = "peer closed" }
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
            if let text = String(data: data, encoding: .utf8), text.contains("\r\n\r\n"), text.contains("Content-Length: 0") || text.hasSuffix("}") {
                break
            }
        }
        return String(decoding: data, as: UTF8.self)
    }

    deinit { close(descriptor) }
}
