import DocketAPI
import Foundation

extension APIHandler {
    func getStats(_ input: Operations.GetStats.Input) async throws -> Operations.GetStats.Output {
        let caller = try await requireUser(.scope(.tasksRead))
        let stats = try await StatsReader(database: database).statistics(of: caller.id, logger: requestLogger)
        return .ok(.init(body: .json(.init(stats))))
    }
}
