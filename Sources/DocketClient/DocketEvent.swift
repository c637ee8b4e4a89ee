import Foundation
import OpenAPIRuntime

/// One change to the caller's data, as the live feed delivers it (`/asyncapi.yaml` describes each type).
public struct DocketEvent: Sendable {
    /// What happened.
    public enum Kind: Sendable, Equatable {
        case taskCreated, taskUpdated, taskCompleted, taskReopened, taskDeleted, userUpdated, exportReady, webhookDisabled
        /// A type this client does not know yet.
        case other(String)

        init(_ type: String) {
            switch type {
            case "task.created": self = .taskCreated
            case "task.updated": self = .taskUpdated
            case "task.completed": self = .taskCompleted
            case "task.reopened": self = .taskReopened
            case "task.deleted": self = .taskDeleted
            case "user.updated": self = .userUpdated
            case "export.ready": self = .exportReady
            case "webhook.disabled": self = .webhookDisabled
            default: self = .other(type)
            }
        }
    }

    /// The event's number in the caller's stream (gapless, in commit order): what a resume starts after.
    public let seq: Int64
    /// The event's global id.
    public let id: String
    /// The CloudEvents type, e.g. `task.updated`.
    public let type: String
    /// What changed, e.g. `tasks/<id>`.
    public let subject: String
    /// When the change committed (RFC 3339).
    public let time: String
    /// The task, for `task.*` events (as it is after the change; as it was, for a deletion).
    public let task: DocketTask?
    /// The whole CloudEvent as the server sent it.
    public let raw: Components.Schemas.Event

    /// What happened, as a value to switch on.
    public var kind: Kind { Kind(type) }

    /// Decodes one SSE `data` field.
    init(json: Data) throws {
        let decoder = JSONDecoder.docket
        raw = try decoder.decode(Components.Schemas.Event.self, from: json)
        seq = raw.seq
        id = raw.id
        type = raw._type
        subject = raw.subject
        time = raw.time
        task = type.hasPrefix("task.") ? try decoder.decode(TaskEnvelope.self, from: json).data.task : nil
    }

    private struct TaskEnvelope: Decodable {
        struct TaskData: Decodable { let task: DocketTask }
        let data: TaskData
    }
}

extension JSONDecoder {
    /// Decodes what Docket sends: RFC 3339 timestamps with or without fractional seconds.
    static var docket: JSONDecoder {
        let decoder = JSONDecoder()
        let transcoder = RFC3339DateTranscoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            try transcoder.decode(try decoder.singleValueContainer().decode(String.self))
        }
        return decoder
    }
}
