import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import Docket

/// A webhook as the API shows it.
struct WebhookBody: Decodable {
    let id: String
    let url: String
    let eventTypes: [String]
    let enabled: Bool
    let description: String?
    let previousSecretExpiresAt: String?

    enum CodingKeys: String, CodingKey {
        case id, url, enabled, description
        case eventTypes = "event_types"
        case previousSecretExpiresAt = "previous_secret_expires_at"
    }
}

/// A webhook with its secret.
struct WebhookWithSecretBody: Decodable {
    let webhook: WebhookBody
    let secret: String
}

@Suite("Webhooks")
struct WebhookTests {
    @Test("signatures follow the Standard Webhooks test vector; two secrets give two signatures")
    func signature() {
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        #expect(
            WebhookSignature.header(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, secrets: [secret])
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let fresh = WebhookSignature.newSecret()
        #expect(fresh.hasPrefix("whsec_") && Data(base64Encoded: String(fresh.dropFirst(6)))?.count == 32)
        let both = WebhookSignature.header(id: "m", timestamp: 1, body: body, secrets: [fresh, secret])
        #expect(both.split(separator: " ").count == 2 && both.hasSuffix(WebhookSignature.sign(id: "m", timestamp: 1, body: body, secret: secret)!))
    }

    @Test("the SSRF guard refuses every non-public address unless the allow-list names it (and its port)")
    func addressPolicy() throws {
        let policy = AddressPolicy(allowed: [try #require(TargetRange("127.0.0.1/32:9000")), try #require(TargetRange("10.1.0.0/16"))])
        func refused(_ address: String, _ port: Int = 443) throws -> Bool {
            policy.refusal(of: try SocketAddress(ipAddress: address, port: port), port: port) != nil
        }
        for address in [
            "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
            "::1", "::", "fe80::1", "fc00::1", "fd12::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2001:db8::1", "192.0.2.1",
            "::7f00:1", "fec0::1", "2001::1", "64:ff9b::a00:1",
        ] {
            #expect(try refused(address), "\(address) must be refused")
        }
        for address in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            #expect(try !refused(address), "\(address) is public")
        }
        #expect(try !refused("127.0.0.1", 9000))
        #expect(try refused("127.0.0.1", 9001))
        #expect(try !refused("10.1.2.3", 80))
        #expect(TargetRange("not an address") == nil && TargetRange("127.0.0.1:99999") == nil)
    }

    @Test("a response excerpt keeps only storable text; the attempt timeout must fit in the job lease")
    func excerptAndLease() {
        #expect(DeliverWebhookJob.printable("ok\u{0}\u{7}done\n") == "ok  done\n")
        #expect(DeliverWebhookJob.printable("") == nil)
        #expect(throws: ConfigError.self) { _ = try DocketConfig.load(from: ["DOCKET_WEBHOOK_TIMEOUT_SECONDS": "15"]) }
        #expect((try? DocketConfig.load(from: ["DOCKET_WEBHOOK_TIMEOUT_SECONDS": "14"])) != nil)
        #expect((try? DocketConfig.load(from: ["DOCKET_JOB_LEASE": "4"]))?.events.webhookTimeout == .seconds(1))
    }

    @Test("target URLs must be http(s) with a host and no user information")
    func targets() throws {
        for bad in ["ftp://example.com/", "example.com", "http:///path", "https://user:pw@example.com/", "javascript:alert(1)"] {
            if case .success = WebhookTarget.parse(bad) { Issue.record("\(bad) must be refused") }
        }
        guard case .success(let target) = WebhookTarget.parse("https://Example.com:8443/hooks/in?x=1") else {
            Issue.record("a good URL was refused")
            return
        }
        #expect(target.host == "example.com" && target.port == 8443 && target.isHTTPS && target.requestTarget == "/hooks/in?x=1")
        #expect(target.hostHeader == "example.com:8443")
    }

    @Test(
        "a name public when the webhook was saved but private at delivery is refused then, without naming the address",
        arguments: TestBackend.all)
    func nameChangesBeforeDelivery(backend: TestBackend) async throws {
        let names = ChangingResolver(["hooks.example": "93.184.215.14"])
        let app = try await TestApp.make(backend) { config in
            config.events.hostResolver = names
            config.jobs.pollInterval = .milliseconds(100)
        }
        try await app.run { client, database in
            let owner = try await client.register()
            let created = try await client.send(
                .post, "/api/v1/webhooks", json: JSONObject(["url": "http://hooks.example:8080/in", "event_types": .array(["task.created"])]),
                headers: owner.bearer)
            #expect(created.status == .created)
            // Saved while public; the name now points at this machine.
            names.set("hooks.example", to: "127.0.0.1")
            _ = try await client.createTask(["title": "announce me"], as: owner)
            var error: String?
            #expect(
                try await eventually {
                    let row = try await database.sql(logger: database.logger).raw("SELECT error, status_code FROM webhook_attempts").first()
                    error = try row?.decode(column: "error", as: String?.self)
                    return row != nil
                })
            #expect(error?.contains("hooks.example resolves to an address that is") == true, "\(error ?? "no error")")
            #expect(error?.contains("127.0.0.1") == false)
            // The other way round: refused when saved.
            let refused = try await client.send(.post, "/api/v1/webhooks", json: ["url": "http://hooks.example:8080/again"], headers: owner.bearer)
            #expect(try refused.expectProblem(.unprocessableContent, "validation-failed").errors?.first?.pointer == "/url")
        }
    }

    @Test("webhooks: create shows the secret once, private targets are 422, rotation overlaps, other users see 404", arguments: TestBackend.all)
    func crud(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend) { $0.events.webhookAllowedTargets = [TargetRange("127.0.0.1/32:9")!] }
        try await app.run { client, database in
            let owner = try await client.register()
            let other = try await client.register()
            // Loopback also written as inet_aton reads it: decimal, hex, octal and short dotted IPv4 (none of them on the
            // one allowed target, 127.0.0.1 port 9, so each must be refused).
            let literals = ["http://2130706433/", "http://0x7f.1/", "http://017700000001/", "http://127.1/", "http://0x7f000001:10/"]
            for url in ["http://127.0.0.1:10/", "http://10.0.0.1/", "http://169.254.169.254/latest", "ftp://example.com/", "http://[::1]:9/"]
                + literals
            {
                let refused = try await client.send(.post, "/api/v1/webhooks", json: ["url": url], headers: owner.bearer)
                let problem = try refused.expectProblem(.unprocessableContent, "validation-failed")
                #expect(problem.errors?.first?.pointer == "/url", "\(url)")
            }
            let badType = try await client.send(
                .post, "/api/v1/webhooks", json: JSONObject(["url": "http://127.0.0.1:9/", "event_types": .array(["task.nope"])]),
                headers: owner.bearer)
            #expect(try badType.expectProblem(.unprocessableContent, "validation-failed").errors?.first?.pointer == "/event_types/0")

            let created = try await client.send(
                .post, "/api/v1/webhooks",
                json: JSONObject(["url": "http://127.0.0.1:9/in", "event_types": .array(["task.created", "task.deleted"]), "description": "ci"]),
                headers: owner.bearer)
            #expect(created.status == .created)
            let body = try created.decode(WebhookWithSecretBody.self)
            #expect(body.secret.hasPrefix("whsec_") && body.webhook.eventTypes == ["task.created", "task.deleted"] && body.webhook.enabled)
            let listed = try await client.send(.get, "/api/v1/webhooks", headers: owner.bearer)
            #expect(listed.status == .ok && listed.text.contains(body.webhook.id) && !listed.text.contains(body.secret))

            // A task created now enqueues one delivery (a job) in the same transaction.
            _ = try await client.createTask(["title": "announce me"], as: owner)
            let sql = database.sql(logger: database.logger)
            let deliveries = try await sql.raw("SELECT COUNT(*) AS n FROM webhook_deliveries").first()?.decode(column: "n", as: Int.self)
            #expect(deliveries == 1)
            let jobs = try await sql.raw("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'deliver_webhook'").first()?.decode(column: "n", as: Int.self)
            #expect(jobs == 1)

            let rotated = try await client.send(
                .post, "/api/v1/webhooks/\(body.webhook.id)/rotate-secret", json: ["overlap_seconds": 3600], headers: owner.bearer)
            #expect(rotated.status == .ok)
            let rotatedBody = try rotated.decode(WebhookWithSecretBody.self)
            #expect(rotatedBody.secret != body.secret && rotatedBody.webhook.previousSecretExpiresAt != nil)

            let patched = try await client.send(
                .patch, "/api/v1/webhooks/\(body.webhook.id)", json: JSONObject(["enabled": .bool(false), "description": .null]),
                headers: owner.bearer)
            #expect(patched.status == .ok)
            let patchedBody = try patched.decode(WebhookBody.self)
            #expect(!patchedBody.enabled && patchedBody.description == nil)
            try await client.send(.post, "/api/v1/webhooks/\(body.webhook.id)/test", headers: owner.bearer).expectProblem(.conflict, "conflict")

            try await client.send(.get, "/api/v1/webhooks/\(body.webhook.id)", headers: other.bearer).expectProblem(.notFound, "not-found")
            try await client.send(.delete, "/api/v1/webhooks/\(body.webhook.id)", headers: other.bearer).expectProblem(.notFound, "not-found")
            let token = try await client.createAccessToken(["tasks:read", "tasks:write"], as: owner)
            try await client.send(.get, "/api/v1/webhooks", headers: token.bearer).expectProblem(.forbidden, "forbidden")
            #expect(try await client.send(.get, "/api/v1/webhooks/\(body.webhook.id)/deliveries", headers: owner.bearer).status == .ok)
            #expect(try await client.send(.delete, "/api/v1/webhooks/\(body.webhook.id)", headers: owner.bearer).status == .noContent)
            try await client.send(.get, "/api/v1/webhooks/\(body.webhook.id)", headers: owner.bearer).expectProblem(.notFound, "not-found")
        }
    }
}

/// A resolver whose answers a test sets and changes: one IPv4 address per name.
final class ChangingResolver: AddressResolver {
    private let table: Mutex<[String: String]>

    init(_ table: [String: String]) { self.table = Mutex(table) }

    /// Makes `name` resolve to `address` from now on.
    func set(_ name: String, to address: String) { table.withLock { $0[name] = address } }

    func addresses(of host: String, port: Int) async throws -> [SocketAddress] {
        guard let address = table.withLock({ $0[host] }) else { throw HostResolver.ResolutionFailure(host: host, temporary: false) }
        return [try SocketAddress(ipAddress: address, port: port)]
    }
}
