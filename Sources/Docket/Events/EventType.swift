/// The kinds of change Docket announces; `asyncapi.yaml` documents each one's data.
enum EventType: String, Sendable, CaseIterable, Codable {
    case taskCreated = "task.created"
    case taskUpdated = "task.updated"
    case taskCompleted = "task.completed"
    case taskReopened = "task.reopened"
    case taskDeleted = "task.deleted"
    case userUpdated = "user.updated"
    case webhookDisabled = "webhook.disabled"
    case exportReady = "export.ready"
    /// Sent to one webhook by its test-send endpoint; never stored in the feed.
    case webhookTest = "webhook.test"

    /// The types a feed or a webhook can subscribe to.
    static let subscribable: [EventType] = allCases.filter { $0 != .webhookTest }
}
