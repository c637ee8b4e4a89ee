import Foundation
import Logging
import Testing

@testable import Docket

@Suite("Data files are the owner's alone")
struct DataFilePermissionTests {
    @Test("a new data directory is 0700 and the SQLite database (and its WAL) 0600, whatever the umask; the key file 0600")
    func ownerOnly() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("docket-perm-\(UUID().uuidString)/data").path
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let path = directory + "/docket.sqlite"
        let database = try DocketDatabase(location: .sqlite(path: path), logger: Logger(label: "test"))
        try await database.configureConnections()
        _ = try await database.migrateUp()
        let keys = directory + "/jwt-keys.json"
        try SigningKeyFile.generated().write(to: keys)
        await database.close()
        func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) & 0o777
        }
        #expect(try mode(directory) == 0o700)
        #expect(try mode(path) == 0o600)
        if FileManager.default.fileExists(atPath: path + "-wal") { #expect(try mode(path + "-wal") == 0o600) }
        #expect(try mode(keys) == 0o600)
    }
}
