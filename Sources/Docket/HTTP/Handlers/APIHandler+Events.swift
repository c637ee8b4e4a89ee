import DocketAPI
import Foundation
import HTTPTypes
import OpenAPIRuntime

extension APIHandler {
    func getEvents(_ input: Operations.GetEvents.Input) async throws -> Operations.GetEvents.Output {
        let caller = try await requireUser(.scope(.tasksRead))
        let types = caller.readable(try Self.eventTypes(input.query.types))
        if let after = input.query.after, after < 0 { throw AppError(.badRequest, "after must be 0 or more.") }
        // Last-Event-ID first: EventSource reconnects to the same URL (with its `after`) and adds the header.
        // The raw header: the generated layer reads an undecodable value (say, a stray `%`) as absent.
        let header = try request.head.headerFields[HTTPField.Name("Last-Event-ID")!] ?? input.headers.lastEventID
        let after = try Self.lastEventID(header) ?? input.query.after
        // Without an Accept header the generated layer lists every type; such a client gets the JSON page, not a
        // stream that never ends.
        let askedForAStream = try request.head.headerFields[.accept] != nil
        let wantsStream = askedForAStream && input.headers.accept.contains { $0.contentType == .textEventStream }
        guard wantsStream else {
            let limit = input.query.limit ?? 100
            guard (1...500).contains(limit) else { throw AppError(.badRequest, "limit must be between 1 and 500.") }
            let start = after ?? 0
            // The newest number is read first and bounds the page, so `last_seq` never counts an event the page missed.
            let head =
                start > 0
                ? try await eventStore.checkResumable(after: start, of: caller.id, logger: requestLogger)
                : try await eventStore.head(of: caller.id, logger: requestLogger)
            let events = try await eventStore.events(
                of: caller.id, after: start, through: head, limit: limit, types: types, logger: requestLogger)
            return .ok(.init(body: .json(.init(items: try events.map(Components.Schemas.Event.init), lastSeq: head))))
        }
        let watch = authenticator.watch(
            authorization: try request.head.headerFields[.authorization], origin: try request.origin, logger: requestLogger)
        let stream = try await events.open(owner: caller.id, after: after, types: types, watch: watch, logger: requestLogger)
        let frames = stream.map { item in ServerSentEvents.frame(item) }
        return .ok(.init(body: .textEventStream(HTTPBody(frames, length: .unknown, iterationBehavior: .single))))
    }

    /// The `types` filter as a set of known types (nil: every type), or a 400 naming the ones that are allowed.
    static func eventTypes(_ text: String?) throws -> Set<String>? {
        guard let text, !text.isEmpty else { return nil }
        guard text.unicodeScalars.count <= 500 else { throw AppError(.badRequest, "types must be at most 500 characters.") }
        let known = Set(EventType.subscribable.map(\.rawValue))
        let types = Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        guard !types.isEmpty, types.isSubset(of: known) else {
            throw AppError(.badRequest, "types must be a comma-separated list of: \(known.sorted().joined(separator: ", ")).")
        }
        return types
    }

    /// The `Last-Event-ID` header as an event number.
    private static func lastEventID(_ text: String?) throws -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        guard text.unicodeScalars.count <= 20, let value = Int64(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
            throw AppError(.badRequest, "Last-Event-ID must be an event number (the id of the last event seen).")
        }
        return value
    }
}
