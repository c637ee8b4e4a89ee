import DocketAPI
import Foundation

extension Components.Schemas.Saga {
    /// The wire view of a saga: never its recorded facts (they may hold an address).
    init(_ saga: SagaView) {
        self.init(
            id: saga.id.uuidString.lowercased(),
            kind: Components.Schemas.Saga.KindPayload(rawValue: saga.kind) ?? .accountDeletion,
            userId: saga.userID.uuidString.lowercased(),
            state: Components.Schemas.SagaState(rawValue: saga.state.rawValue)!,
            step: saga.stepName,
            resumeAt: saga.resumeAt.map(Microseconds.date),
            createdAt: Microseconds.date(saga.createdAt),
            updatedAt: Microseconds.date(saga.updatedAt),
            finishedAt: saga.finishedAt.map(Microseconds.date),
            attempts: saga.attempts ?? 0,
            error: saga.error
        )
    }
}
