import DocketClient
import Foundation

/// The CLI's saved sign-in: the server's URL, the account's email and the session's tokens, in one JSON file that
/// only its owner can read (0600, in a 0700 directory), rewritten atomically after every token refresh because the
/// refresh token rotates.
actor CredentialsFile: DocketTokenStore {
    /// What the file holds.
    struct Contents: Codable {
        var url: String
        var email: String
        var credentials: DocketCredentials
    }

    let path: URL
    private var contents: Contents?

    private init(path: URL, contents: Contents?) {
        self.path = path
        self.contents = contents
    }

    /// `$XDG_CONFIG_HOME/docket/credentials.json` (`~/.config/docket/…` when XDG_CONFIG_HOME is unset or relative).
    static func defaultPath(environment: [String: String]) -> URL {
        let base: URL
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            base = URL(fileURLWithPath: xdg)
        } else {
            base = URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".config")
        }
        return base.appendingPathComponent("docket").appendingPathComponent("credentials.json")
    }

    /// The file at `path` (which need not exist yet), under the process's lock (`lockForThisProcess`).
    static func open(_ path: URL) throws -> CredentialsFile {
        try lockForThisProcess(path)
        guard let data = FileManager.default.contents(atPath: path.path) else {
            return CredentialsFile(path: path, contents: nil)
        }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return CredentialsFile(path: path, contents: try decoder.decode(Contents.self, from: data))
        } catch {
            throw CLIFailure(.usage, "\(path.path) is not a credentials file Docket wrote; delete it and run `docket login`")
        }
    }

    /// Takes the exclusive lock beside the file, held until the process exits: one client command at a time uses a
    /// saved session, because two refreshing the same refresh token at once would look like token theft to the
    /// server (reuse detection revokes the whole session). Scripts that run commands in parallel use DOCKET_TOKEN.
    static func lockForThisProcess(_ path: URL) throws {
        let directory = path.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Only its owner may list or enter the directory, even if it existed before with wider permissions.
        guard chmod(directory.path, 0o700) == 0 else {
            throw CLIFailure(.failure, "cannot restrict \(directory.path) to its owner: \(String(cString: strerror(errno)))")
        }
        let lockPath = directory.appendingPathComponent("credentials.lock").path
        let descriptor = Foundation.open(lockPath, O_RDWR | O_CREAT, 0o600)
        guard descriptor >= 0, flock(descriptor, LOCK_EX) == 0 else {
            throw CLIFailure(.failure, "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        // Deliberately left open: the lock ends with the process.
    }

    /// The saved server URL and email, if signed in.
    var saved: Contents? { contents }

    /// Saves a new sign-in: the server, the account and its first tokens.
    func start(url: String, email: String, credentials: DocketCredentials?) throws {
        guard let credentials else { throw CLIFailure(.failure, "the server answered the sign-in without tokens") }
        let started = Contents(url: url, email: email, credentials: credentials)
        contents = started
        try write(started)
    }

    func load() -> DocketCredentials? {
        contents?.credentials
    }

    func save(_ credentials: DocketCredentials?) throws {
        guard let credentials else {
            contents = nil
            try? FileManager.default.removeItem(at: path)
            return
        }
        guard var updated = contents else { return }
        updated.credentials = credentials
        contents = updated
        try write(updated)
    }

    /// Writes the file through a 0600 temporary file in the same directory and a rename.
    private func write(_ contents: Contents) throws {
        let directory = path.deletingLastPathComponent()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(contents)
        let temporary = directory.appendingPathComponent(".credentials-\(UUID().uuidString).tmp")
        let descriptor = Foundation.open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw CLIFailure(.failure, "cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
        var renamed = false
        defer { if !renamed { try? FileManager.default.removeItem(at: temporary) } }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, path.path) == 0 else {
            throw CLIFailure(.failure, "cannot write \(path.path): \(String(cString: strerror(errno)))")
        }
        renamed = true
    }
}
