import Logging
import SQLKit

/// One step of a saga: what it does, and how to undo it while the saga may still be compensated. Both run inside the
/// transaction that also records the saga's progress, so a step's effect and the saga moving past it commit together;
/// a step that ran but did not commit runs again, so steps must be idempotent.
struct SagaStep: Sendable {
    let name: String
    let run: @Sendable (inout SagaRecord, SagaStepContext) async throws -> SagaStepOutcome
    let undo: (@Sendable (inout SagaRecord, SagaStepContext) async throws -> Void)?

    init(
        _ name: String, undo: (@Sendable (inout SagaRecord, SagaStepContext) async throws -> Void)? = nil,
        run: @escaping @Sendable (inout SagaRecord, SagaStepContext) async throws -> SagaStepOutcome
    ) {
        self.name = name
        self.run = run
        self.undo = undo
    }
}

/// What a step sees: the transaction, the time it runs at (microseconds since 1970) and the job's logger.
struct SagaStepContext: Sendable {
    let sql: any SQLDatabase
    let now: Int64
    let logger: Logger
}

/// What follows a step.
enum SagaStepOutcome: Sendable, Equatable {
    /// The step is done: go on with the next.
    case done
    /// Part of the step is done (a batch): run it again.
    case again
    /// The step is done once `until` (microseconds since 1970) has passed: the saga waits until then.
    case wait(until: Int64)
}

/// A kind of saga: its steps in order, and how far it can still be undone.
protocol SagaDefinition: Sendable {
    /// The saga kind stored in its row, e.g. `account_deletion`.
    var kind: String { get }
    var steps: [SagaStep] { get }
    /// A saga can be compensated while its next step is at most this index (later steps cannot be undone).
    var compensableThrough: Int { get }
    /// Whether its steps change the account's standing (sign-in, credentials): then each committed step makes this
    /// node forget what it cached about the account and close its feeds.
    var changesAccount: Bool { get }
}
