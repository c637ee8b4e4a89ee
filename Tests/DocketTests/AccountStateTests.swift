import Foundation
import HummingbirdTesting
import SQLKit
import Testing

@testable import Docket

/// An account's states as an admin's `PATCH /api/v1/admin/users/{id}` answers them.
private struct AccountStateBody: Decodable, Equatable {
    let active: Bool
    let deactivated: Bool
    let deletionPending: Bool

    enum CodingKeys: String, CodingKey {
        case active, deactivated
        case deletionPending = "deletion_pending"
    }
}

@Suite("Account states: an admin's deactivation and the owner's deletion are separate")
struct AccountStateTests {
    @Test(
        "deactivating an account pending deletion is recorded, restore leaves the deactivation, reactivation leaves the deletion",
        arguments: TestBackend.all)
    func deactivationAndDeletion(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { config in
            config.jobs.pollInterval = .milliseconds(100)
            config.jobs.deletionGraceSeconds = 3600
        }
        try await app.run { client, database in
            let admin = try await AdminTests.makeAdmin(client, database)
            let owner = try await client.register()
            let saga = try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: owner.bearer)
                .decode(SagaBody.self)
            #expect(try await eventually { try await Self.sagaState(saga.id, database) == "waiting" })

            // The owner is told how to undo their deletion.
            let refused = try await client.login(email: owner.user.email).expectProblem(.unauthorized, "unauthorized")
            #expect(refused.detail?.contains("POST /api/v1/users/me/restore") == true)

            // An admin's reactivation cannot cancel the owner's deletion.
            let path = "/api/v1/admin/users/\(owner.user.id)"
            let lift = try await client.send(.patch, path, json: ["active": true], headers: admin.bearer).expectProblem(.conflict, "conflict")
            #expect(lift.detail?.contains("only the owner") == true)
            #expect(try await Self.sagaState(saga.id, database) == "waiting")

            // Deactivating it during the grace period is its own state, audited as such.
            let deactivated = try await client.send(.patch, path, json: ["active": false], headers: admin.bearer).decode(AccountStateBody.self)
            #expect(deactivated == AccountStateBody(active: false, deactivated: true, deletionPending: true))
            let ownerID = UUID(uuidString: owner.user.id)!
            let audited = try await database.sql(logger: database.logger).raw(
                "SELECT details FROM audit_events WHERE user_id = \(bind: ownerID) AND event_type = 'account_deactivated'"
            ).first()?.decode(column: "details", as: String?.self)
            #expect(audited == "while its deletion is under way")

            // The owner restores: the deletion is undone, the admin's deactivation stays.
            let restore = try await client.send(.post, "/api/v1/users/me/restore", json: ["email": owner.user.email, "password": goodPassword])
            #expect(restore.status == .accepted)
            #expect(try await eventually { try await Self.sagaState(saga.id, database) == "compensated" })
            let stillOff = try await client.login(email: owner.user.email).expectProblem(.unauthorized, "unauthorized")
            #expect(stillOff.detail == "This account was deactivated by an administrator.")

            // Reactivation now lifts the deactivation, and the owner signs in.
            let back = try await client.send(.patch, path, json: ["active": true], headers: admin.bearer).decode(AccountStateBody.self)
            #expect(back == AccountStateBody(active: true, deactivated: false, deletionPending: false))
            #expect(try await client.login(email: owner.user.email).status == .ok)
        }
    }

    @Test("reactivating an account deactivated during its deletion leaves the deletion running", arguments: TestBackend.all)
    func reactivationKeepsDeletion(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { config in
            config.jobs.pollInterval = .milliseconds(100)
            config.jobs.deletionGraceSeconds = 3600
        }
        try await app.run { client, database in
            let admin = try await AdminTests.makeAdmin(client, database)
            let owner = try await client.register()
            let path = "/api/v1/admin/users/\(owner.user.id)"
            _ = try await client.send(.patch, path, json: ["active": false], headers: admin.bearer).decode(AccountStateBody.self)
            // A deactivated account's owner holds no session, so the deletion is asked for before the deactivation here.
            let reactivated = try await client.send(.patch, path, json: ["active": true], headers: admin.bearer).decode(AccountStateBody.self)
            #expect(reactivated.active)
            let session = try await client.login(email: owner.user.email).decode(TokenPairBody.self)
            let saga = try await client.send(.delete, "/api/v1/users/me", json: ["password": goodPassword], headers: session.bearer)
                .decode(SagaBody.self)
            #expect(try await eventually { try await Self.sagaState(saga.id, database) == "waiting" })
            _ = try await client.send(.patch, path, json: ["active": false], headers: admin.bearer).decode(AccountStateBody.self)
            let lifted = try await client.send(.patch, path, json: ["active": true], headers: admin.bearer).decode(AccountStateBody.self)
            #expect(lifted == AccountStateBody(active: false, deactivated: false, deletionPending: true))
            #expect(try await Self.sagaState(saga.id, database) == "waiting")
            try await client.login(email: owner.user.email).expectProblem(.unauthorized, "unauthorized")
        }
    }

    private static func sagaState(_ saga: String, _ database: DocketDatabase) async throws -> String? {
        try await database.sql(logger: database.logger).raw("SELECT state FROM sagas WHERE id = \(bind: UUID(uuidString: saga)!)").first()?
            .decode(column: "state", as: String.self)
    }
}
