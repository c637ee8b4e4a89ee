import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

/// A personal access token acts on tasks: the account's own business (webhook deliveries, its events about webhooks
/// and exports, its profile without `profile:read`) stays with its signed-in sessions.
@Suite("Scopes say what a token sees")
struct ScopeReachTests {
    /// A list of webhook endpoints, as far as this test reads it.
    private struct Hooks: Decodable {
        struct Hook: Decodable { let id: String }
        let items: [Hook]
    }

    /// A page of events, as far as this test reads it.
    private struct EventPage: Decodable {
        struct Item: Decodable { let type: String }
        let items: [Item]
    }

    @Test("a tasks token sees task jobs and task events only; user.updated needs profile:read", arguments: TestBackend.all)
    func tokensSeeTheirScope(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) {
            $0.events.webhookAllowedTargets = [TargetRange("127.0.0.1/32:9")!]
            $0.jobs.concurrency = 0  // jobs stay queued, so every kind is there to be listed
        }
        try await app.run { client, _ in
            let owner = try await client.register()
            let hook = try await client.send(.post, "/api/v1/webhooks", json: ["url": "http://127.0.0.1:9/"], headers: owner.bearer)
            try #require(hook.status == .created, "\(hook.text)")
            let hookID = try #require(try await client.send(.get, "/api/v1/webhooks", headers: owner.bearer).decode(Hooks.self).items.first?.id)
            #expect(try await client.send(.post, "/api/v1/webhooks/\(hookID)/test", headers: owner.bearer).status == .accepted)
            let imported = try await client.startJob("/api/v1/tasks/import", body: #"{"tasks": [{"title": "a"}]}"#, headers: owner.bearer)
            _ = try await client.createTask(["title": "mine"], as: owner)
            #expect(try await client.send(.patch, "/api/v1/users/me", json: ["name": "Renamed"], headers: owner.bearer).status == .ok)

            let sessionJobs = try await client.send(.get, "/api/v1/jobs", headers: owner.bearer).decode(JobListBody.self).items
            let delivery = try #require(sessionJobs.first { $0.kind != ImportTasksJob.kind }, "\(sessionJobs.map(\.kind))")
            let tasksOnly = try await client.createAccessToken(["tasks:read", "tasks:write"], as: owner)
            let tokenJobs = try await client.send(.get, "/api/v1/jobs", headers: tasksOnly.bearer).decode(JobListBody.self).items
            #expect(tokenJobs.map(\.id) == [imported.id])
            #expect(try await client.send(.get, "/api/v1/jobs/\(delivery.id)", headers: tasksOnly.bearer).status == .notFound)
            #expect(try await client.send(.post, "/api/v1/jobs/\(delivery.id)/cancel", headers: tasksOnly.bearer).status == .notFound)
            #expect(try await client.send(.get, "/api/v1/jobs/\(delivery.id)", headers: owner.bearer).status == .ok)

            let types = { (headers: HTTPFields, query: String) in
                try await client.send(.get, "/api/v1/events\(query)", headers: headers).decode(EventPage.self).items.map(\.type)
            }
            #expect(try await types(owner.bearer, "").contains("user.updated"))
            #expect(try await types(tasksOnly.bearer, "") == ["task.created"])
            #expect(try await types(tasksOnly.bearer, "?types=user.updated").isEmpty)
            let profile = try await client.createAccessToken(["tasks:read", "profile:read"], as: owner)
            #expect(Set(try await types(profile.bearer, "")) == ["task.created", "user.updated"])
        }
    }
}
