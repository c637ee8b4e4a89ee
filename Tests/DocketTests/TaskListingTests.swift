import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Listing tasks: filters, sorting, keyset pagination")
struct TaskListingTests {
    /// Creates `count` tasks with varied priority, status and due dates (some missing), concurrently.
    static func seed(_ count: Int, client: some TestClientProtocol, owner: TokenPairBody) async throws -> [TaskBody] {
        let statuses: [JSONValue] = ["todo", "in_progress", "done"]
        let priorities: [JSONValue] = ["low", "medium", "high"]
        return try await withThrowingTaskGroup(of: [TaskBody].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var made: [TaskBody] = []
                    for index in stride(from: worker, to: count, by: 8) {
                        var fields: [String: JSONValue] = [
                            "title": .string("task \(index)"), "status": statuses[index % 3], "priority": priorities[(index / 3) % 3],
                        ]
                        if index % 4 != 0 { fields["due_date"] = .string(String(format: "2030-%02d-%02d", index % 12 + 1, index % 28 + 1)) }
                        made.append(try await client.createTask(fields, as: owner))
                    }
                    return made
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    static func sortKey(_ task: TaskBody, _ sort: String) -> String {
        switch sort {
        case "priority": ["low": "0", "medium": "1", "high": "2"][task.priority]!
        case "due_date": task.dueDate ?? ""
        case "updated_at": task.updatedAt
        default: task.createdAt
        }
    }

    @Test("walking 1,000 tasks in pages of 7 finds each exactly once, in order, for every sort", arguments: TestBackend.all)
    func walkEverySort(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let all = try await Self.seed(1000, client: client, owner: owner)
            for sort in ["created_at", "updated_at", "due_date", "priority"] {
                for order in ["asc", "desc"] {
                    let walked = try await client.walkTasks("limit=7&sort=\(sort)&order=\(order)", as: owner)
                    #expect(walked.count == 1000, "\(sort) \(order)")
                    #expect(Set(walked.map(\.id)) == Set(all.map(\.id)), "\(sort) \(order)")
                    // Sorted by the key (with missing due dates last either way).
                    let keys = walked.map { Self.sortKey($0, sort) }
                    if sort == "due_date" {
                        let dated = keys.prefix { !$0.isEmpty }
                        let undated = keys.dropFirst(dated.count).filter { !$0.isEmpty }
                        #expect(undated.isEmpty, "\(order): missing due dates last")
                        #expect(Array(dated) == (order == "asc" ? dated.sorted() : dated.sorted(by: >)), "\(order)")
                    } else {
                        #expect(keys == (order == "asc" ? keys.sorted() : keys.sorted(by: >)), "\(sort) \(order)")
                    }
                }
            }
        }
    }

    @Test("rows inserted and deleted during a walk cause no duplicates or skips of the others", arguments: TestBackend.all)
    func walkWhileWriting(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let original = try await Self.seed(200, client: client, owner: owner)
            let doomed = Set(original.prefix(20).map(\.id))
            var seen: [String] = []
            var cursor: String?
            var page = 0
            repeat {
                let suffix = cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" } ?? ""
                let body = try await client.listTasks("limit=7&sort=due_date&order=asc" + suffix, as: owner).decode(TaskPageBody.self)
                seen += body.items.map(\.id)
                cursor = body.nextCursor
                // Meanwhile: new tasks arrive and some old ones are deleted.
                _ = try await client.createTask(["title": .string("new \(page)"), "due_date": "2030-06-15"], as: owner)
                if page < 20 { _ = try await client.send(.delete, "/api/v1/tasks/\(original[page].id)", headers: owner.bearer) }
                page += 1
            } while cursor != nil
            #expect(seen.count == Set(seen).count, "no duplicates")
            let survivors = Set(original.map(\.id)).subtracting(doomed)
            #expect(survivors.isSubset(of: Set(seen)), "every task that lived through the walk was seen")
        }
    }

    @Test("filter combinations match a brute-force filter of the same data", arguments: TestBackend.all)
    func filtersMatchBruteForce(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let all = try await Self.seed(120, client: client, owner: owner)
            let cases: [(String, (TaskBody) -> Bool)] = [
                ("status=todo", { $0.status == "todo" }),
                ("status=todo&status=done", { $0.status != "in_progress" }),
                ("priority=high", { $0.priority == "high" }),
                ("priority=low&status=in_progress", { $0.priority == "low" && $0.status == "in_progress" }),
                ("due_before=2030-06-30", { ($0.dueDate ?? "9") <= "2030-06-30" }),
                ("due_after=2030-03-01&due_before=2030-09-30", { $0.dueDate.map { $0 >= "2030-03-01" && $0 <= "2030-09-30" } ?? false }),
                ("q=TASK%201", { $0.title.lowercased().contains("task 1") }),
                ("q=task%2011&priority=medium", { $0.title.contains("task 11") && $0.priority == "medium" }),
                (
                    "status=done&due_after=2030-01-01&priority=high&priority=medium",
                    {
                        $0.status == "done" && $0.dueDate != nil && $0.priority != "low"
                    }
                ),
            ]
            for (query, predicate) in cases {
                let expected = Set(all.filter(predicate).map(\.id))
                let walked = try await client.walkTasks("limit=13&\(query)", as: owner)
                #expect(Set(walked.map(\.id)) == expected, "\(query)")
                let counted = try await client.listTasks("limit=1&include_total=true&\(query)", as: owner).decode(TaskPageBody.self)
                #expect(counted.total == expected.count, "\(query)")
            }
        }
    }

    @Test("SQL and LIKE metacharacters in q match literally", arguments: TestBackend.all)
    func metacharacters(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let titles = ["100% done", "snake_case", "it's", "back\\slash", "quote \"x\"", "plain", "Ünïcödé", "semi; DROP TABLE tasks; --"]
            for title in titles { _ = try await client.createTask(["title": .string(title)], as: owner) }
            for (q, expected) in [
                ("%", ["100% done"]), ("_", ["snake_case"]), ("'", ["it's"]), ("\\", ["back\\slash"]), ("\"", ["quote \"x\""]),
                ("DROP TABLE", ["semi; DROP TABLE tasks; --"]), ("' OR '1'='1", []), ("%%", []),
            ] {
                let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let found = try await client.walkTasks("q=\(encoded)", as: owner).map(\.title)
                #expect(found.sorted() == expected.sorted(), "q=\(q)")
            }
            #expect(try await client.walkTasks("limit=100", as: owner).count == titles.count)
        }
    }

    @Test("a tampered or foreign cursor is a 400 problem; limits are validated", arguments: TestBackend.all)
    func cursorChecks(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let other = try await client.register()
            _ = try await Self.seed(10, client: client, owner: owner)
            let first = try await client.listTasks("limit=3&sort=priority", as: owner).decode(TaskPageBody.self)
            let cursor = try #require(first.nextCursor)
            let encoded = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await client.listTasks("limit=3&sort=priority&cursor=\(encoded)", as: owner).status == .ok)
            try await client.listTasks("limit=3&sort=created_at&cursor=\(encoded)", as: owner).expectProblem(.badRequest, "bad-request")
            try await client.listTasks("limit=3&sort=priority&status=done&cursor=\(encoded)", as: owner).expectProblem(.badRequest, "bad-request")
            try await client.listTasks("limit=3&sort=priority&cursor=\(encoded)", as: other).expectProblem(.badRequest, "bad-request")
            var tampered = Array(cursor)
            tampered[5] = tampered[5] == "A" ? "B" : "A"
            try await client.listTasks("limit=3&sort=priority&cursor=\(String(tampered))", as: owner).expectProblem(.badRequest, "bad-request")
            try await client.listTasks("cursor=garbage", as: owner).expectProblem(.badRequest, "bad-request")
            try await client.listTasks("limit=3&sort=priority&offset=3&cursor=\(encoded)", as: owner).expectProblem(.badRequest, "bad-request")
            // A bad parameter is a 400 that names the parameter and what it accepts.
            let zero = try await client.listTasks("limit=0", as: owner).expectProblem(.badRequest, "bad-request")
            #expect(zero.detail == "limit must be at least 1." && zero.pointers == ["#/query/limit"])
            try await client.listTasks("limit=101", as: owner).expectProblem(.badRequest, "bad-request")
            let date = try await client.listTasks("due_before=2030-02-30", as: owner).expectProblem(.badRequest, "bad-request")
            #expect(date.detail == "due_before must be a calendar date written YYYY-MM-DD.")
            let badEnum = try await client.listTasks("status=archived", as: owner)
            #expect(badEnum.status == .badRequest)
            try await client.listTasks("sort=title", as: owner).expectProblem(.badRequest, "bad-request")
            let offset = try await client.listTasks("limit=4&offset=8&sort=created_at&order=asc", as: owner).decode(TaskPageBody.self)
            #expect(offset.items.count == 2)
        }
    }
}
