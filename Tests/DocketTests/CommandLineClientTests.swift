import Foundation
import HummingbirdTesting
import SQLKit
import Testing

@testable import Docket

/// `docket login`, `tasks` and `tokens` as real processes with their own config directory, against a live server.
@Suite("The docket command as a client")
struct CommandLineClientTests {
    /// A client command's environment: a fresh config directory and nothing else of the caller's.
    static func environment(_ configHome: String, _ extra: [String: String] = [:]) -> [String: String] {
        ["XDG_CONFIG_HOME": configHome, "HOME": configHome, "NO_COLOR": "1"].merging(extra) { $1 }
    }

    static func freshConfigHome() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("docket-cli-config-\(UUID().uuidString)").path
    }

    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test("login, add, list --json, done, rm, a bad filter, tokens and DOCKET_TOKEN, logout: outputs, exit codes and what is stored")
    func session() async throws {
        try await TestApp.make(.sqlite).run(.live) { client, database in
            let url = "http://127.0.0.1:\(try #require(client.port))"
            let email = uniqueEmail("cli")
            let account = try await client.register(email: email)
            let home = Self.freshConfigHome()
            let env = Self.environment(home)
            func docket(_ arguments: String..., input: String? = nil, extra: [String: String] = [:]) async throws -> DocketProcess.Result {
                try await DocketProcess.runDetached(arguments, environment: env.merging(extra) { $1 }, input: input)
            }

            let wrong = try await docket("login", "--url", url, input: "\(email)\nnot-the-password\n")
            #expect(wrong.status == 77 && wrong.stderr.contains("invalid email or password"))
            let login = try await docket("login", "--url", url, input: "\(email)\n\(goodPassword)\n")
            #expect(login.status == 0, "\(login.stderr)")
            #expect(login.stdout.contains("signed in to \(url) as \(email)"))
            let file = "\(home)/docket/credentials.json"
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let saved = try String(contentsOfFile: file, encoding: .utf8)
            #expect(saved.contains("refresh_token") && !saved.contains(goodPassword))

            let whoami = try await docket("whoami", "--json")
            #expect((try Self.json(whoami.stdout) as? [String: Any])?["email"] as? String == email)

            let added = try await docket("tasks", "add", "Buy milk", "--priority", "high", "--due", "2030-01-31", "--json")
            #expect(added.status == 0, "\(added.stderr)")
            let milk = try #require(try Self.json(added.stdout) as? [String: Any])
            let milkID = try #require(milk["id"] as? String)
            #expect(try await docket("tasks", "add", "Write report").status == 0)

            let listed = try await docket("tasks", "list", "--json", "--sort", "created_at", "--order", "asc")
            let tasks = try #require(try Self.json(listed.stdout) as? [[String: Any]])
            #expect(tasks.map { $0["title"] as? String } == ["Buy milk", "Write report"])
            #expect(tasks.allSatisfy { Set($0.keys) == Self.taskKeys })
            #expect(tasks[1]["due_date"] is NSNull && tasks[0]["due_date"] as? String == "2030-01-31")
            // Timestamps as the API writes them: whole seconds, ending in Z.
            let created = try #require(tasks[0]["created_at"] as? String)
            #expect(created.hasSuffix("Z") && !created.contains("."), "\(created)")
            let table = try await docket("tasks", "list")
            #expect(table.stdout.hasPrefix("ID") && table.stdout.contains("Buy milk") && !table.stdout.contains("\u{1B}["))

            #expect(try await docket("tasks", "done", milkID).status == 0)
            let stored = try await database.sql(logger: database.logger).select().column("status").from("tasks")
                .where("id", .equal, UUID(uuidString: milkID)!).first()?.decode(column: "status", as: String.self)
            #expect(stored == "done")
            let done = try await docket("tasks", "list", "--status", "done", "--json")
            #expect((try Self.json(done.stdout) as? [[String: Any]])?.map { $0["id"] as? String } == [milkID])

            let badStatus = try await docket("tasks", "list", "--status", "bogus")
            #expect(badStatus.status == 64 && badStatus.stderr.contains("'bogus' is invalid") && badStatus.stderr.contains("'in_progress'"))
            let badDate = try await docket("tasks", "list", "--due-before", "tomorrow")
            #expect(badDate.status == 64 && badDate.stderr.contains("--due-before must be a calendar date"), "\(badDate.stderr)")

            let token = try await docket("tokens", "create", "--name", "ci", "--scope", "tasks:read", "--json")
            let secret = try #require((try Self.json(token.stdout) as? [String: Any])?["token"] as? String)
            let scripted = Self.environment(Self.freshConfigHome(), ["DOCKET_TOKEN": secret, "DOCKET_URL": url])
            let viaToken = try await DocketProcess.runDetached(["tasks", "list", "--json"], environment: scripted)
            #expect((try Self.json(viaToken.stdout) as? [[String: Any]])?.count == 2)
            let refused = try await DocketProcess.runDetached(["tasks", "add", "not allowed"], environment: scripted)
            #expect(refused.status == 77 && refused.stderr.contains("tasks:write"))
            let tokens = try #require(try Self.json(try await docket("tokens", "list", "--json").stdout) as? [[String: Any]])
            let ciToken = try #require(tokens.first { $0["name"] as? String == "ci" })
            #expect(ciToken["scopes"] as? [String] == ["tasks:read"] && ciToken.keys.contains("last_used_at") && ciToken["token"] == nil)
            #expect(tokens.allSatisfy { $0.keys.contains("last_used_ip") && $0.keys.contains("expires_at") })
            let tokenTable = try await docket("tokens", "list")
            #expect(tokenTable.stdout.hasPrefix("ID") && tokenTable.stdout.contains("tasks:read") && !tokenTable.stdout.contains(secret))
            let tokenID = try #require(ciToken["id"] as? String)
            #expect(try await docket("tokens", "revoke", tokenID).stdout == "revoked \(tokenID)\n")
            let revoked = try await DocketProcess.runDetached(["tasks", "list"], environment: scripted)
            #expect(revoked.status == 77)
            #expect(revoked.stderr.contains("DOCKET_TOKEN was refused") && !revoked.stderr.contains("docket login"), "\(revoked.stderr)")

            #expect(try await docket("tasks", "rm", milkID).status == 0)
            let gone = try await docket("tasks", "show", milkID)
            #expect(gone.status == 66 && gone.stderr.hasPrefix("docket: "))
            let count = try await database.sql(logger: database.logger).raw("SELECT COUNT(*) AS n FROM tasks").first()?.decode(
                column: "n", as: Int.self)
            #expect(count == 1)

            let beforeLogout = try String(contentsOfFile: file, encoding: .utf8)
            let logout = try await docket("logout")
            #expect(logout.status == 0 && !FileManager.default.fileExists(atPath: file))
            let after = try await docket("whoami")
            #expect(after.status == 77 && after.stderr.contains("not signed in"))
            // The server ended the session too: the refresh token saved before is spent.
            #expect(try await client.refresh(Self.refreshToken(in: beforeLogout)).status == .unauthorized)
            _ = account
            _ = saved
        }
    }

    @Test("values the command line can check are usage errors (exit 64) before anything is sent")
    func checkedLocally() async throws {
        // A URL nothing listens on and a token: a command that sent anything would fail with a connection error (69).
        let env = Self.environment(Self.freshConfigHome(), ["DOCKET_URL": "http://127.0.0.1:9", "DOCKET_TOKEN": "dkt_pat_unused"])
        for arguments in [
            ["tasks", "add", "x", "--due", "2026-13-45"], ["tasks", "add", "x", "--due", "tomorrow"],
            ["tasks", "list", "--due-before", "2026-02-30"], ["tasks", "list", "--due-after", "2025-02-29"], ["tasks", "show", "not-a-uuid"],
            ["tasks", "edit", "not-a-uuid", "--title", "t"], ["tasks", "edit", UUID().uuidString, "--due", "2026-04-31"],
            ["tasks", "done", "42"], ["tasks", "reopen", "x"], ["tasks", "rm", "x"],
        ] {
            let result = try await DocketProcess.runDetached(arguments, environment: env)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
        }
        // Nothing listens there: said in words, exit 69.
        let unreachable = try await DocketProcess.runDetached(["tasks", "list"], environment: env)
        #expect(
            unreachable.status == 69
                && unreachable.stderr == "docket: cannot reach the server: connection refused (is Docket running there? check --url or DOCKET_URL)\n",
            "\(unreachable.stderr)")
        // A leap day is a date.
        let leap = try await DocketProcess.runDetached(["tasks", "list", "--due-before", "2028-02-29"], environment: env)
        #expect(leap.status != 64, "\(leap.stderr)")
    }

    @Test("tables are coloured on a terminal, and not with NO_COLOR set")
    func colourOnlyOnATerminal() async throws {
        try await TestApp.make(.sqlite).run(.live) { client, _ in
            let url = "http://127.0.0.1:\(try #require(client.port))"
            let email = uniqueEmail("cli")
            let owner = try await client.register(email: email)
            _ = try await client.createTask(["title": "urgent", "priority": "high"], as: owner)
            let home = Self.freshConfigHome()
            let login = try await DocketProcess.runDetached(
                ["login", "--url", url, "--email", email], environment: Self.environment(home), input: goodPassword + "\n")
            #expect(login.status == 0)
            func onTerminal(_ extra: [String: String]) async throws -> String {
                var env = Self.environment(home, extra)
                env["NO_COLOR"] = extra["NO_COLOR"]
                env["TERM"] = "xterm"
                return try await DocketProcess.runOnTerminal(["tasks", "list"], environment: env)
            }
            let coloured = try await onTerminal([:])
            #expect(coloured.contains("\u{1B}[31m") && coloured.contains("urgent"), "\(coloured)")
            let plain = try await onTerminal(["NO_COLOR": "1"])
            #expect(plain.contains("urgent") && !plain.contains("\u{1B}["), "\(plain)")
        }
    }

    @Test("a 429 says when to retry and exits 75")
    func rateLimited() async throws {
        try await TestApp.make(.sqlite) { $0.auth.writeLimit = RateLimitPolicy(capacity: 1, periodSeconds: 60) }.run(.live) { client, _ in
            let url = "http://127.0.0.1:\(try #require(client.port))"
            let email = uniqueEmail("cli")
            _ = try await client.register(email: email)
            let env = Self.environment(Self.freshConfigHome())
            #expect(
                try await DocketProcess.runDetached(["login", "--url", url, "--email", email], environment: env, input: goodPassword + "\n").status
                    == 0)
            _ = try await DocketProcess.runDetached(["tasks", "add", "first"], environment: env)
            let limited = try await DocketProcess.runDetached(["tasks", "add", "second"], environment: env)
            #expect(limited.status == 75)
            #expect(limited.stderr.range(of: #"try again in [0-9]+ s"#, options: .regularExpression) != nil, "\(limited.stderr)")
        }
    }

    /// The keys of a task in `--json` output (all of the contract's `Task` fields, absent ones as null).
    static let taskKeys: Set<String> = [
        "id", "user_id", "title", "description", "status", "priority", "due_date", "completed_at", "created_at", "updated_at", "version",
    ]

    static func refreshToken(in saved: String) throws -> String {
        let object = try #require(try json(saved) as? [String: Any])
        let credentials = try #require(object["credentials"] as? [String: Any])
        return try #require(credentials["refresh_token"] as? String)
    }
}
