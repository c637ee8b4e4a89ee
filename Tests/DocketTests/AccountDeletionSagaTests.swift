import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import SQLKit
import Synchronization
import Testing

@testable import Docket

/// A saga as the API shows it.
struct SagaBody: Decodable, Equatable {
    let id: String
    let kind: String
    let userID: String
    let state: String
    let step: String
    let attempts: Int
    let error: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, state, step, attempts, error
        case userID = "user_id"
    }
}

/// `GET /api/v1/admin/sagas`.
struct SagaListBody: Decodable {
    let items: [SagaBody]
}

/// Makes the node running a saga die once, after the step a test names (see `SagaFaults`).
final class SagaKiller: Sendable {
    private let target = Mutex<String?>(nil)

    /// Arms it: the next commit of `step` is the node's last.
    func arm(_ step: String) { target.withLock { $0 = step } }

    /// The fault hook for the configuration.
    var faults: SagaFaults {
        SagaFaults { [self] step in
            target.withLock { armed in
                guard armed == step else { return false }
                armed = nil
                return true
            }
        }
    }
}

@Suite("Sagas: account deletion, its grace period, restore and crashes between steps")
struct AccountDeletionSagaTests {
    @Test("the step names the API reports are the saga's steps")
    func stepNames() {
        let saga = AccountDeletionSaga(batchSize: 1, maxAttempts: 1)
        #expect(saga.steps.map(\.name) == AccountDeletionSaga.stepNames)
    }

    @Test(
        "DELETE /users/me checks the password, then deletes the account, its tasks and tokens, scrubs its audit rows and confirms by email",
        arguments: TestBackend.all)
    func deletion(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend)
        try await app.run { client, database in
            let user = try await client.register()
            let other = try await client.register()
            for index in 0..<5 { _ = try await client.createTask(["title": .string("mine \(index)")], as: user) }
            _ = try await client.createTask(["title": "theirs"], as: other)
            let token = try await client.createAccessToken(["tasks:read"], as: user)
            _ = try await client.login(email: user.user.email, password: "Wrong-Password-1")  // an audit row with the address it came from
            // A dead letter of each account (an event a consumer could not process carries the account's data).
            for account in [user, other] {
                try await database.sql(logger: database.logger).insert(into: "dead_letters")
                    .columns("id", "consumer", "message_id", "user_id", "payload", "error", "attempts", "created_at")
                    .values(
                        SQLBind(UUID()), SQLBind("stats"), SQLBind(UUID().uuidString), SQLBind(UUID(uuidString: account.user.id)!),
                        SQLBind(#"{"title":"mine"}"#), SQLBind("poison"), SQLBind(5), SQLBind(Microseconds.now())
                    ).run()
            }

            let wrong = try await client.send(.delete, "/api/v1/users/me", json: ["password": "Wrong-Password-1"], headers: user.bearer)
            #expect(try wrong.expectProblem(.unprocessableContent, "validation-failed").pointers == ["/password"])
            #expect(try await count("SELECT COUNT(*) AS count FROM sagas", in: database) == 0)
            try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: token.bearer)
                .expectProblem(.forbidden, "forbidden")

            let response = try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: user.bearer)
            #expect(response.status == .accepted)
            let saga = try response.decode(SagaBody.self)
            #expect(saga.kind == "account_deletion" && saga.userID == user.user.id)
            // The owner's tokens are revoked, so Location is a signed link that shows the saga without one.
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/api/v1/sagas/\(saga.id)?expires="), "\(location)")

            let owner = UUID(uuidString: user.user.id)!
            #expect(try await eventually { try await Self.state(of: saga.id, in: database) == "completed" })
            let followed = try await client.send(.get, location)
            #expect(followed.status == .ok)
            #expect(try followed.decode(SagaBody.self).state == "completed")
            try await client.send(.get, location.replacingOccurrences(of: "signature=", with: "signature=A")).expectProblem(.notFound, "not-found")
            let otherSaga = location.replacingOccurrences(of: saga.id, with: UUID().uuidString.lowercased())
            try await client.send(.get, otherSaga).expectProblem(.notFound, "not-found")
            try await client.send(.get, "/api/v1/sagas/\(saga.id)").expectProblem(.unauthorized, "unauthorized")
            #expect(try await count("SELECT COUNT(*) AS count FROM users WHERE id = \(bind: owner)", in: database) == 0)
            #expect(try await count("SELECT COUNT(*) AS count FROM tasks WHERE user_id = \(bind: owner)", in: database) == 0)
            #expect(try await count("SELECT COUNT(*) AS count FROM personal_access_tokens WHERE user_id = \(bind: owner)", in: database) == 0)
            #expect(try await count("SELECT COUNT(*) AS count FROM dead_letters WHERE user_id = \(bind: owner)", in: database) == 0)
            #expect(try await count("SELECT COUNT(*) AS count FROM dead_letters", in: database) == 1, "the other account's stays")
            // The other account is untouched.
            #expect(try await client.walkTasks("limit=100", as: other).count == 1)
            // The audit rows keep what happened and when, without where from or any free text.
            let audit = try await database.sql(logger: database.logger).raw(
                "SELECT event_type, ip, user_agent, details FROM audit_events WHERE user_id = \(bind: owner)"
            ).all()
            let types = Set(try audit.map { try $0.decode(column: "event_type", as: String.self) })
            #expect(types.isSuperset(of: ["registered", "login_failed", "account_deletion_requested", "account_deleted"]))
            for row in audit {
                #expect(try row.decode(column: "ip", as: String?.self) == nil)
                #expect(try row.decode(column: "user_agent", as: String?.self) == nil)
                #expect(try row.decode(column: "details", as: String?.self) == nil)
            }
            // The saga keeps no address once the account is gone.
            let data = try await database.sql(logger: database.logger).raw("SELECT data FROM sagas").first()?.decode(column: "data", as: String.self)
            #expect(data?.contains(user.user.email) == false)
            #expect(try await eventually { app.mailer.sent.contains { $0.to == user.user.email && $0.subject.contains("deleted") } })
            #expect(app.mailer.sent.filter { $0.subject.contains("deleted") }.count == 1)
            try await client.login(email: user.user.email).expectProblem(.unauthorized, "unauthorized")
            try await client.send(.get, "/api/v1/tasks", headers: user.bearer).expectProblem(.unauthorized, "unauthorized")
            // Nothing is left to restore.
            let restore = try await client.send(.post, "/api/v1/users/me/restore", json: ["email": user.user.email, "password": goodPassword])
            try restore.expectProblem(.unauthorized, "unauthorized")
        }
    }

    @Test("a deletion erases the account's messages from the broker and the emails sent to it", arguments: TestBackend.all)
    func erasesCopies(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { try? TestTransport.broker.configure(&$0) }
        try await app.run { client, database in
            let settings = try #require(app.config.broker)
            let user = try await client.register()
            let other = try await client.register()
            for index in 0..<3 {
                _ = try await client.createTask(["title": .string("mine \(index)")], as: user)
                _ = try await client.createTask(["title": .string("theirs \(index)")], as: other)
            }
            for account in [user, other] {
                #expect(try await client.send(.post, "/api/v1/auth/password-reset", json: ["email": account.user.email]).status == .accepted)
            }
            #expect(try await eventually { app.mailer.sent.filter { $0.subject.lowercased().contains("reset") }.count == 2 })
            let redis = try TestRedis.client()
            let entries = { (account: TokenPairBody) in
                try await redis.range(of: settings.stream, count: 1000).filter { $0.fields["user_id"] == account.user.id }.count
            }
            #expect(
                try await eventually {
                    let (mine, theirs) = (try await entries(user), try await entries(other))
                    return mine >= 3 && theirs >= 3
                })
            let emailJobs = { (account: TokenPairBody) in
                try await count(
                    "SELECT COUNT(*) AS count FROM jobs WHERE kind = 'send_account_email' AND payload LIKE \(bind: "%" + account.user.email + "%")",
                    in: database)
            }
            #expect(try await eventually { try await emailJobs(user) == 1 })

            let saga = try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: user.bearer).decode(
                SagaBody.self)
            #expect(try await eventually { try await Self.state(of: saga.id, in: database) == "completed" })
            #expect(try await entries(user) == 0)
            #expect(try await entries(other) >= 3, "the other account's messages stay")
            #expect(try await emailJobs(user) == 0)
            #expect(try await emailJobs(other) == 1, "the other account's email job stays")
            await redis.close()
        }
    }

    @Test(
        "the node running a deletion dies after each step in turn; another run finishes it, and every effect happens once", arguments: TestBackend.all
    )
    func crashMatrix(backend: TestBackend) async throws {
        let killer = SagaKiller()
        let app = try await TestApp.make(backend) { config in
            config.jobs.leaseSeconds = 2
            config.jobs.pollInterval = .milliseconds(100)
            config.jobs.batchSize = 2
            config.jobs.sagaFaults = killer.faults
        }
        try await app.run { client, database in
            for step in AccountDeletionSaga.stepNames {
                let user = try await client.register()
                // Five tasks: delete_tasks takes three batches of two; the node dies after the first.
                for index in 0..<5 { _ = try await client.createTask(["title": .string("t\(index)")], as: user) }
                killer.arm(step)
                let response = try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: user.bearer)
                let saga = try response.decode(SagaBody.self)
                // Finished: the saga completed and its job, resumed after the dead node's lease ran out, succeeded.
                let finished = try await eventually(timeout: .seconds(60)) {
                    let job = try await database.sql(logger: database.logger).raw(
                        "SELECT state FROM jobs WHERE id = (SELECT job_id FROM sagas WHERE id = \(bind: UUID(uuidString: saga.id)!))"
                    ).first()?.decode(column: "state", as: String.self)
                    return try await Self.state(of: saga.id, in: database) == "completed" && job == "succeeded"
                }
                #expect(finished, "died after \(step)")
                let owner = UUID(uuidString: user.user.id)!
                #expect(try await count("SELECT COUNT(*) AS count FROM users WHERE id = \(bind: owner)", in: database) == 0, "died after \(step)")
                #expect(try await count("SELECT COUNT(*) AS count FROM tasks WHERE user_id = \(bind: owner)", in: database) == 0)
                #expect(
                    try await count(
                        "SELECT COUNT(*) AS count FROM audit_events WHERE user_id = \(bind: owner) AND event_type = 'account_deleted'", in: database)
                        == 1, "died after \(step)")
                #expect(
                    try await count(
                        "SELECT COUNT(*) AS count FROM jobs WHERE kind = 'send_notice_email' AND payload LIKE \(bind: "%" + user.user.email + "%")",
                        in: database) == 1,
                    "died after \(step)")
                let data =
                    try await database.sql(logger: database.logger).raw("SELECT data FROM sagas WHERE id = \(bind: UUID(uuidString: saga.id)!)")
                    .first()?.decode(column: "data", as: String.self) ?? ""
                #expect(data.contains(#""deletedTasks":5"#), "died after \(step): \(data)")
                // The dead node's attempt counts: the job ran at least twice (a third run is a lease of 2 s running out under
                // a loaded machine, which CI saw once; every effect above still happened once).
                let attempts = try await count(
                    "SELECT attempts AS count FROM jobs WHERE id = (SELECT job_id FROM sagas WHERE id = \(bind: UUID(uuidString: saga.id)!))",
                    in: database)
                #expect(attempts >= 2, "died after \(step)")
            }
            let everyone = AccountDeletionSaga.stepNames.count
            #expect(try await eventually { app.mailer.sent.filter { $0.subject.contains("deleted") }.count >= everyone })
            #expect(app.mailer.sent.filter { $0.subject.contains("deleted") }.count == everyone)
        }
    }

    @Test("restoring during the grace period compensates once, whichever undo the node dies after", arguments: TestBackend.all)
    func restoreMatrix(backend: TestBackend) async throws {
        let killer = SagaKiller()
        let app = try await TestApp.make(backend) { config in
            config.jobs.leaseSeconds = 2
            config.jobs.pollInterval = .milliseconds(100)
            config.jobs.deletionGraceSeconds = 3600
            config.jobs.sagaFaults = killer.faults
            config.events.webhookAllowedTargets = [TargetRange("127.0.0.1/32:9")!]
        }
        try await app.run { client, database in
            for undo in [nil, "undo disable_webhooks", "undo revoke_credentials", "undo mark_deleting"] {
                let label = undo ?? "no crash"
                let user = try await client.register()
                for index in 0..<3 { _ = try await client.createTask(["title": .string("t\(index)")], as: user) }
                let kept = try await Self.webhook(as: user, client)
                let off = try await Self.webhook(as: user, client)
                #expect(try await client.send(.patch, "/api/v1/webhooks/\(off)", json: ["enabled": false], headers: user.bearer).status == .ok)
                let token = try await client.createAccessToken(["tasks:read"], as: user)

                let saga = try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: user.bearer)
                    .decode(SagaBody.self)
                #expect(try await eventually { try await Self.state(of: saga.id, in: database) == "waiting" }, "\(label)")
                let refused = try await client.login(email: user.user.email).expectProblem(.unauthorized, "unauthorized")
                #expect(refused.detail?.contains("/api/v1/users/me/restore") == true)
                #expect(try await Self.enabled(kept, database) == false)

                let wrong = try await client.send(
                    .post, "/api/v1/users/me/restore", json: ["email": user.user.email, "password": "Wrong-Password-1"])
                try wrong.expectProblem(.unauthorized, "unauthorized")
                if let undo { killer.arm(undo) }
                let restore = try await client.send(.post, "/api/v1/users/me/restore", json: ["email": user.user.email, "password": goodPassword])
                #expect(restore.status == .accepted, "\(label)")
                // Its Location shows the saga without a token while the restore compensates.
                let following = try await client.send(.get, try #require(restore.headers[.location]))
                #expect(following.status == .ok, "\(label)")
                #expect(try following.decode(SagaBody.self).id == saga.id, "\(label)")
                #expect(try await eventually(timeout: .seconds(60)) { try await Self.state(of: saga.id, in: database) == "compensated" }, "\(label)")

                // Sign-in works again; the webhook the saga disabled is back, the one the owner had disabled stays off;
                // the tokens revoked stay revoked; the tasks were never touched.
                let session = try await client.login(email: user.user.email).decode(TokenPairBody.self)
                #expect(try await Self.enabled(kept, database) == true, "\(label)")
                #expect(try await Self.enabled(off, database) == false, "\(label)")
                try await client.refresh(user.refreshToken).expectProblem(.unauthorized, "unauthorized")
                try await client.send(.get, "/api/v1/tasks", headers: token.bearer).expectProblem(.unauthorized, "unauthorized")
                #expect(try await client.walkTasks("limit=100", as: session).count == 3)
                let owner = UUID(uuidString: user.user.id)!
                #expect(
                    try await count(
                        "SELECT COUNT(*) AS count FROM audit_events WHERE user_id = \(bind: owner) AND event_type = 'account_restored'", in: database)
                        == 1)
                let seen = try await client.send(.get, "/api/v1/sagas/\(saga.id)", headers: session.bearer).decode(SagaBody.self)
                #expect(seen.state == "compensated" && seen.step == "undo mark_deleting")
                // Nothing is left to undo.
                let again = try await client.send(.post, "/api/v1/users/me/restore", json: ["email": user.user.email, "password": goodPassword])
                try again.expectProblem(.conflict, "conflict")
            }
        }
    }

    @Test("a saga whose job ran out of attempts is listed as failed for admins, and their retry finishes it", arguments: TestBackend.all)
    func stuckSaga(backend: TestBackend) async throws {
        let killer = SagaKiller()
        let app = try await TestApp.make(backend) { config in
            config.jobs.leaseSeconds = 2
            config.jobs.pollInterval = .milliseconds(100)
            config.jobs.maxAttempts = 1
            config.jobs.sagaFaults = killer.faults
        }
        try await app.run { client, database in
            let admin = try await AdminTests.makeAdmin(client, database)
            let user = try await client.register()
            killer.arm("revoke_credentials")
            let saga = try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: user.bearer)
                .decode(SagaBody.self)
            var stuck: [SagaBody] = []
            #expect(
                try await eventually(timeout: .seconds(60)) {
                    stuck = try await client.send(.get, "/api/v1/admin/sagas?state=failed", headers: admin.bearer).decode(SagaListBody.self).items
                    return stuck.contains { $0.id == saga.id }
                })
            // It stopped after revoke_credentials (or earlier, if a loaded machine failed an attempt first).
            let failed = try #require(stuck.first { $0.id == saga.id })
            #expect(AccountDeletionSaga.stepNames.prefix(3).contains(failed.step) && failed.error != nil)
            // A purge long after the job finished keeps it: the saga stays failed, and retryable.
            let purger = ExpiredRowPurger(database: database, interval: .seconds(3600), bucketIdleSeconds: 300, logger: database.logger)
            _ = try await purger.purge(now: Date().addingTimeInterval(8 * 86_400))
            let afterPurge = try await client.send(.get, "/api/v1/admin/sagas?state=failed", headers: admin.bearer).decode(SagaListBody.self)
            #expect(afterPurge.items.contains { $0.id == saga.id })
            let bystander = try await client.register()
            try await client.send(.get, "/api/v1/admin/sagas", headers: bystander.bearer).expectProblem(.forbidden, "forbidden")
            try await client.send(.post, "/api/v1/admin/sagas/\(UUID())/retry", headers: admin.bearer).expectProblem(.notFound, "not-found")
            let retried = try await client.send(.post, "/api/v1/admin/sagas/\(saga.id)/retry", headers: admin.bearer)
            #expect(retried.status == .accepted)
            // One attempt per retry: a loaded machine may fail one for another reason; the admin retries again.
            #expect(
                try await eventually(timeout: .seconds(90)) {
                    if try await Self.state(of: saga.id, in: database) == "completed" { return true }
                    let view = try await client.send(.get, "/api/v1/admin/sagas?state=failed", headers: admin.bearer).decode(SagaListBody.self)
                    if view.items.contains(where: { $0.id == saga.id }) {
                        _ = try await client.send(.post, "/api/v1/admin/sagas/\(saga.id)/retry", headers: admin.bearer)
                    }
                    return false
                })
            try await client.send(.post, "/api/v1/admin/sagas/\(saga.id)/retry", headers: admin.bearer).expectProblem(.conflict, "conflict")
        }
    }

    private static func state(of saga: String, in database: DocketDatabase) async throws -> String? {
        try await database.sql(logger: database.logger).raw("SELECT state FROM sagas WHERE id = \(bind: UUID(uuidString: saga)!)").first()?
            .decode(column: "state", as: String.self)
    }

    private static func webhook(as user: TokenPairBody, _ client: some TestClientProtocol) async throws -> String {
        let created = try await client.send(
            .post, "/api/v1/webhooks", json: JSONObject(["url": "http://127.0.0.1:9/in", "event_types": .array(["user.updated"])]),
            headers: user.bearer)
        return try created.decode(WebhookWithSecretBody.self).webhook.id
    }

    private static func enabled(_ webhook: String, _ database: DocketDatabase) async throws -> Bool? {
        try await database.sql(logger: database.logger).raw("SELECT enabled FROM webhooks WHERE id = \(bind: UUID(uuidString: webhook)!)").first()?
            .decode(column: "enabled", as: Bool.self)
    }
}
