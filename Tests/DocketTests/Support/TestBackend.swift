import Foundation
import Logging
import SQLKit
import Testing

@testable import Docket

/// A database backend the suite runs against; every HTTP test runs once per backend.
enum TestBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Backends under test: both, unless `DOCKET_TEST_BACKENDS` narrows them (e.g. `sqlite` for a quick local loop).
    /// An unknown name stops the run, so a typo cannot quietly drop a backend.
    static var all: [TestBackend] {
        guard let names = ProcessInfo.processInfo.environment["DOCKET_TEST_BACKENDS"], !names.isEmpty else { return allCases }
        return parse(names)
    }

    /// The backends a comma-separated list names; any other name is a fatal error that says which names are known.
    static func parse(_ names: String) -> [TestBackend] {
        names.split(separator: ",").map { name in
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let backend = TestBackend(rawValue: trimmed) else {
                let known = allCases.map(\.rawValue).joined(separator: ", ")
                fatalError("DOCKET_TEST_BACKENDS names an unknown backend '\(trimmed)'; known: \(known)")
            }
            return backend
        }
    }

    /// A brand-new, empty database of this kind, so each test starts from nothing.
    func freshLocation() async throws -> DatabaseLocation {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("docket-tests-\(UUID().uuidString)")
            return .sqlite(path: directory.appendingPathComponent("docket.sqlite").path)
        case .postgres:
            guard let adminURL = ProcessInfo.processInfo.environment["DOCKET_TEST_POSTGRES_URL"] else {
                Issue.record(
                    "DOCKET_TEST_POSTGRES_URL is not set: run ./scripts/test (it starts PostgreSQL), or set DOCKET_TEST_BACKENDS=sqlite"
                )
                throw TestSetupError.postgresNotConfigured
            }
            let name = "docket_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            let admin = try DocketDatabase(location: .postgres(url: adminURL), poolSize: 1, logger: Logger(label: "test-admin"))
            do {
                try await admin.sql(logger: admin.logger).raw("CREATE DATABASE \(unsafeRaw: name)").run()
                await admin.close()
            } catch {
                await admin.close()
                throw error
            }
            var components = URLComponents(string: adminURL)!
            components.path = "/\(name)"
            return .postgres(url: components.string!)
        }
    }
}

/// Why a test could not be set up.
enum TestSetupError: Error {
    case postgresNotConfigured
    case redisNotConfigured
}
