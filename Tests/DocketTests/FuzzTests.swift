import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import Docket

/// Randomised inputs with a fixed seed (reproducible): decoders must refuse cleanly, never crash or answer 5xx.
@Suite("Randomised decoding")
struct FuzzTests {
    /// A small deterministic generator (SplitMix64), so a failure replays exactly.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("5,000 mutated and random cursors are refused with a 400 problem, never accepted or crashed")
    func cursorDecoder() throws {
        let codec = TaskCursor(secret: SymmetricKey(size: .bits256))
        let position = TaskCursor.Position(key: .text("2030-01-02"), id: UUID())
        let valid = codec.encode(position, fingerprint: "fingerprint-abc")
        #expect(try codec.decode(valid, fingerprint: "fingerprint-abc") == position)
        var random = SeededGenerator(state: 42)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=|%\u{0}é🙂")
        var refused = 0
        for round in 0..<5_000 {
            var characters = Array(valid)
            if round % 2 == 0 {
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let index = Int.random(in: 0..<characters.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: characters[index] = alphabet.randomElement(using: &random)!
                    case 1: characters.remove(at: index)
                    default: characters.insert(alphabet.randomElement(using: &random)!, at: index)
                    }
                    if characters.isEmpty { characters = ["x"] }
                }
            } else {
                characters = (0..<Int.random(in: 0...200, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            }
            let candidate = String(characters)
            guard candidate != valid else { continue }
            do {
                _ = try codec.decode(candidate, fingerprint: "fingerprint-abc")
                Issue.record("accepted a forged cursor: \(candidate)")
            } catch let error as AppError {
                #expect(error.kind == .badRequest)
                refused += 1
            }
        }
        #expect(refused > 4_900)
    }

    @Test("1,000 random and mutated request bodies to POST and PATCH /api/v1/tasks get 4xx or 2xx, never 5xx")
    func requestBodies() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let owner = try await client.register()
            let task = try await client.createTask(["title": "target"], as: owner)
            var random = SeededGenerator(state: 7)
            let seeds = [
                #"{"title":"a","description":null,"status":"done","priority":"low","due_date":"2024-02-29"}"#,
                #"{"title":"b","due_date":null}"#, #"{}"#, #"[]"#, #"{"title":["x"]}"#,
            ]
            let fragments = [
                "{", "}", "[", "]", "\"", ":", ",", "null", "true", "1e309", "-0", "\\u0000", "\\ud800", "\u{0}", "é", "🙂", "title", "due_date",
            ]
            for round in 0..<1_000 {
                var body = Array(seeds.randomElement(using: &random)!.utf8)
                for _ in 0..<Int.random(in: 0...5, using: &random) {
                    let index = Int.random(in: 0...body.count, using: &random)
                    if Bool.random(using: &random), !body.isEmpty {
                        body.remove(at: min(index, body.count - 1))
                    } else {
                        body.insert(contentsOf: Array(fragments.randomElement(using: &random)!.utf8), at: index)
                    }
                }
                if round % 10 == 0 { body = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) } }
                var headers = owner.bearer
                headers[.contentType] = "application/json"
                let (method, path): (HTTPRequest.Method, String) =
                    round.isMultiple(of: 2) ? (.post, "/api/v1/tasks") : (.patch, "/api/v1/tasks/\(task.id)")
                let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: ByteBuffer(bytes: body))
                #expect(response.status.code < 500, "\(method) \(String(decoding: body, as: UTF8.self)) -> \(response.status)")
                if response.status.code >= 400 {
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
            }
        }
    }
}
