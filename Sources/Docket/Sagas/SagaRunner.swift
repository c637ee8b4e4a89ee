import Foundation
import Logging
import SQLKit

/// Runs sagas as jobs (`run_saga`): one step per transaction, each committed with the saga's new position and the job's
/// progress, until the saga completes, is compensated or waits (the job is then deferred to the saga's resume time).
/// A node that dies mid-saga leaves the job to be taken over after its lease; the saga goes on from its last committed
/// step on whichever node claims it. Failed attempts are retried with the queue's backoff.
struct SagaRunner: JobHandler {
    static let kind = "run_saga"
    var kind: String { Self.kind }
    let store: SagaStore
    let definitions: [String: any SagaDefinition]
    /// Told after each committed step of a saga that changes its account's standing, so this node's authentication
    /// cache forgets the account at once (and its feeds close).
    var accountChanged: @Sendable (UUID) -> Void = { _ in }
    /// Told after each committed step whose account it acts for, so this node's feeds look for new events at once.
    var eventsCommitted: @Sendable (UUID) -> Void = { _ in }
    var faults = SagaFaults()

    /// The job's input.
    struct Payload: Codable, Sendable {
        let sagaID: UUID
    }

    /// Where a committed step left the saga.
    private enum Position: Sendable {
        case next
        case waiting(until: Int64)
        case finished(SagaState)
    }

    func run(_ job: JobRecord, context: JobContext) async throws -> String {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)) else {
            throw JobFailure.permanent("unreadable payload")
        }
        var committed = 0
        while true {
            let noCheckpoint: @Sendable () -> String? = { nil }
            let (stepName, position, account, kind) = try await context.step(done: committed, total: nil, checkpoint: noCheckpoint) { sql in
                try await advance(payload.sagaID, on: sql, logger: context.logger)
            }
            committed += 1
            eventsCommitted(account)
            if definitions[kind]?.changesAccount == true { accountChanged(account) }
            if let stepName, let dieAfter = faults.dieAfter, await dieAfter(stepName) {
                throw JobInterruption.leaseLostOrCancelled
            }
            switch position {
            case .next: continue
            case .waiting(let until): throw JobDeferral(until: until)
            case .finished(let state): return #"{"state":"\#(state.rawValue)"}"#
            }
        }
    }

    /// Runs the saga's next step (or undoes its last done one) and records where that leaves it.
    private func advance(_ id: UUID, on sql: any SQLDatabase, logger: Logger) async throws -> (String?, Position, UUID, String) {
        guard var saga = try await store.lock(id, on: sql) else { throw JobFailure.permanent("the saga no longer exists") }
        guard let definition = definitions[saga.kind] else { throw JobFailure.permanent("no saga kind \(saga.kind)") }
        let now = Microseconds.now()
        let context = SagaStepContext(sql: sql, now: now, logger: logger)
        let steps = definition.steps
        saga.updatedAt = now
        var ran: String?
        switch saga.state {
        case .completed, .compensated, .failed:
            return (nil, .finished(saga.state), saga.userID, saga.kind)
        case .waiting:
            if let resumeAt = saga.resumeAt, resumeAt > now { return (nil, .waiting(until: resumeAt), saga.userID, saga.kind) }
            saga.state = .running
            saga.resumeAt = nil
            saga.step += 1
            ran = steps[saga.step - 1].name
        case .running:
            guard saga.step < steps.count else { break }
            let step = steps[saga.step]
            ran = step.name
            switch try await step.run(&saga, context) {
            case .done:
                saga.step += 1
            case .again:
                break
            case .wait(let until) where until <= now:
                saga.step += 1
            case .wait(let until):
                saga.state = .waiting
                saga.resumeAt = until
            }
        case .compensating:
            if saga.step > 0 {
                let step = steps[saga.step - 1]
                try await step.undo?(&saga, context)
                saga.step -= 1
                ran = "undo " + step.name
            }
        }
        if saga.state == .running, saga.step >= steps.count {
            saga.state = .completed
            saga.finishedAt = now
        } else if saga.state == .compensating, saga.step == 0 {
            saga.state = .compensated
            saga.finishedAt = now
        }
        try await store.save(saga, on: sql)
        switch saga.state {
        case .waiting: return (ran, .waiting(until: saga.resumeAt ?? now), saga.userID, saga.kind)
        case .completed, .compensated, .failed: return (ran, .finished(saga.state), saga.userID, saga.kind)
        case .running, .compensating: return (ran, .next, saga.userID, saga.kind)
        }
    }
}
