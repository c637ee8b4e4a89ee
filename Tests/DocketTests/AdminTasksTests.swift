import Foundation
import Logging
import Testing

@testable import Docket

@Suite("Operator tasks in-process (what the CLI calls)")
struct AdminTasksTests {
    @Test("the seeder's tasks list over HTTP in order, with varied fields", arguments: TestBackend.all)
    func seeder(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend)
        try await app.run { client, database in
            try await TaskSeeder(config: app.config, database: database, logger: database.logger)
                .seed(email: "seeded@example.com", password: goodPassword, count: 60, batchSize: 25)
            let tokens = try await client.login(email: "seeded@example.com").decode(TokenPairBody.self)
            let walked = try await client.walkTasks("limit=9&sort=created_at&order=asc", as: tokens)
            #expect(walked.count == 60)
            #expect(walked.first?.title == "Seeded task 0" && walked.last?.title == "Seeded task 59")
            #expect(Set(walked.map(\.status)) == ["todo", "in_progress", "done"])
            #expect(walked.contains { $0.dueDate == nil } && walked.contains { $0.dueDate != nil })
            #expect(walked.filter { $0.status == "done" }.allSatisfy { $0.completedAt != nil })
        }
    }

    @Test("admin tasks change roles and activity and refuse unknown accounts", arguments: TestBackend.all)
    func adminTasks(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend)
        try await app.run { client, database in
            let tasks = AdminTasks(config: app.config, database: database, logger: database.logger)
            _ = try await tasks.createUser(email: "Ops@Example.com", name: "Ops", password: goodPassword, admin: false)
            await #expect(throws: AdminTaskError.self) {
                try await tasks.createUser(email: "ops@example.com", name: "Ops", password: goodPassword, admin: false)
            }
            await #expect(throws: AdminTaskError.self) { try await tasks.createUser(email: "bad", name: "", password: "weak", admin: false) }
            try await tasks.setRole(email: "ops@example.com", role: "admin")
            await #expect(throws: AdminTaskError.self) { try await tasks.setRole(email: "ops@example.com", role: "root") }
            await #expect(throws: AdminTaskError.self) { try await tasks.setActive(email: "ghost@example.com", active: false) }
            let listed = try await tasks.listUsers(emailContains: "ops", limit: 10)
            #expect(listed.map(\.role) == ["admin"] && listed.allSatisfy(\.active))
            // The last active admin cannot be deactivated or demoted, even by the operator CLI.
            await #expect(throws: AdminTaskError.self) { try await tasks.setActive(email: "ops@example.com", active: false) }
            await #expect(throws: AdminTaskError.self) { try await tasks.setRole(email: "ops@example.com", role: "user") }
            _ = try await tasks.createUser(email: "second@example.com", name: "Second", password: goodPassword, admin: true)
            try await tasks.setActive(email: "ops@example.com", active: false)
            try await client.login(email: "ops@example.com").expectProblem(.unauthorized, "unauthorized")
            try await tasks.setActive(email: "ops@example.com", active: true)
            #expect(try await client.login(email: "ops@example.com").decode(TokenPairBody.self).user.role == "admin")
        }
    }

    @Test("doctor finds a healthy setup healthy and names what is wrong otherwise")
    func doctor() async throws {
        let app = try await TestApp.make(.sqlite)
        let logger = Logger(label: "doctor-test")
        let before = await Doctor(config: app.config).run(logger: logger)
        #expect(before.contains { !$0.ok && $0.message.contains("pending") })
        try await app.run { _, _ in }
        let after = await Doctor(config: app.config).run(logger: logger)
        let problems = after.filter { !$0.ok }.map(\.message)
        #expect(problems.isEmpty, "\(problems)")
        var broken = app.config
        broken.database = .postgres(url: "postgres://nobody:secret@127.0.0.1:1/none")
        broken.auth.keysFile = "/nonexistent/keys.json"
        let findings = await Doctor(config: broken).run(logger: logger)
        #expect(findings.contains { !$0.ok && $0.message.contains("database unreachable") })
        #expect(findings.contains { !$0.ok && $0.message.contains("does not exist") })
        #expect(!findings.map(\.message).joined().contains("secret"))
    }
}
