/// Where a saga stands. `waiting` sits out a grace period; `failed` ran out of attempts and waits for an operator's
/// retry; `completed` and `compensated` are final.
enum SagaState: String, Sendable, Codable, CaseIterable {
    case running, waiting, compensating, completed, compensated, failed

    /// Whether the saga has finished for good.
    var isFinal: Bool { self == .completed || self == .compensated }
}
