import DocketAPI
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

/// The generated layer refuses a body of the wrong media type before any handler runs, so handlers need no check of their own.
@Suite("Media types of request bodies")
struct ContentTypeTests {
    /// Every operation of the contract that takes a request body.
    static let operationsWithBodies: [(HTTPRequest.Method, String)] = [
        (.post, "/api/v1/auth/register"), (.post, "/api/v1/auth/login"), (.post, "/api/v1/auth/refresh"), (.post, "/api/v1/auth/logout"),
        (.post, "/api/v1/auth/email-verification/confirm"), (.post, "/api/v1/auth/password-reset"),
        (.post, "/api/v1/auth/password-reset/confirm"), (.patch, "/api/v1/users/me"), (.post, "/api/v1/users/me/password"),
        (.delete, "/api/v1/users/me"), (.post, "/api/v1/users/me/restore"),
        (.patch, "/api/v1/admin/users/{id}"), (.post, "/api/v1/tasks"), (.patch, "/api/v1/tasks/{id}"), (.post, "/api/v1/tokens"),
        (.post, "/api/v1/tasks/bulk-update"), (.post, "/api/v1/tasks/import"), (.post, "/api/v1/webhooks"),
        (.patch, "/api/v1/webhooks/{id}"), (.post, "/api/v1/webhooks/{id}/rotate-secret"),
    ]

    @Test("the list above covers every operation with a request body in the contract")
    func listMatchesContract() throws {
        let contract = String(decoding: try OpenAPIDocument.load(), as: UTF8.self)
        #expect(contract.components(separatedBy: "requestBody:").count - 1 == Self.operationsWithBodies.count)
    }

    @Test("a signed-in admin sending text/plain to any body-taking operation gets a 415 problem and changes nothing")
    func everyBodyOperationRefusesOtherMediaTypes() async throws {
        try await TestApp.make(.sqlite).run { client, database in
            let admin = try await AdminTests.makeAdmin(client, database)
            let created = try await client.send(.post, "/api/v1/tasks", json: ["title": "kept"], headers: admin.bearer)
            #expect(created.status == .created)
            let taskID = try created.decode(TaskBody.self).id
            for (method, template) in Self.operationsWithBodies {
                let path = template.replacingOccurrences(of: "{id}", with: template.contains("tasks") ? taskID : admin.user.id)
                let body = #"{"title":"changed","name":"Changed","email":"x@example.com","password":"Correct-Horse-9","role":"user"}"#
                let response = try await client.sendRaw(method, path, body: body, contentType: "text/plain", headers: admin.bearer)
                try response.expectProblem(.unsupportedMediaType, "unsupported-media-type")
            }
            let me = try await client.me(admin.accessToken).decode(UserBody.self)
            #expect(me.name == "Test User" && me.role == "admin")
            let task = try await client.send(.get, "/api/v1/tasks/\(taskID)", headers: admin.bearer).decode(TaskBody.self)
            #expect(task.title == "kept")
        }
    }
}
