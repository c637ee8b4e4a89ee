import DocketAPI
import Foundation
import OpenAPIRuntime

extension Components.Schemas.Job {
    /// The wire view of a job: never its payload, lease or checkpoint.
    init(_ job: JobRecord) {
        self.init(
            id: job.id.uuidString.lowercased(),
            kind: job.kind,
            state: Components.Schemas.JobState(rawValue: job.state.rawValue)!,
            attempts: job.attempts,
            maxAttempts: job.maxAttempts,
            progress: .init(done: job.progressDone, total: job.progressTotal),
            result: job.result.flatMap { try? JSONDecoder().decode(Components.Schemas.Job.ResultPayload.self, from: Data($0.utf8)) },
            error: job.error,
            createdAt: Microseconds.date(job.createdAt),
            updatedAt: Microseconds.date(job.updatedAt),
            startedAt: job.startedAt.map(Microseconds.date),
            finishedAt: job.finishedAt.map(Microseconds.date)
        )
    }
}

extension BulkTaskUpdate {
    /// The update a bulk-update request asks for.
    init(_ request: Components.Schemas.BulkUpdateRequest) {
        self.init(
            statuses: (request.filter?.status ?? []).compactMap { TaskStatus(rawValue: $0.rawValue) },
            priorities: (request.filter?.priority ?? []).compactMap { TaskPriority(rawValue: $0.rawValue) },
            dueBefore: request.filter?.dueBefore, dueAfter: request.filter?.dueAfter, text: request.filter?.q,
            setStatus: request.setStatus.flatMap { TaskStatus(rawValue: $0.rawValue) },
            setPriority: request.setPriority.flatMap { TaskPriority(rawValue: $0.rawValue) }, shiftDueDays: request.shiftDueDays)
    }
}

extension NewTask {
    /// The task a create body describes.
    init(_ body: Components.Schemas.TaskCreate) {
        self.init(
            title: body.title, description: body.description, status: body.status.flatMap { TaskStatus(rawValue: $0.rawValue) },
            priority: body.priority.flatMap { TaskPriority(rawValue: $0.rawValue) }, dueDate: body.dueDate)
    }
}

extension Components.Schemas.DocketExportTasks.TasksPayloadPayload {
    /// The fields an import reads from one exported task (strings only; anything else counts as absent).
    var exportFields: [String: ExportValue] {
        var fields: [String: ExportValue] = [:]
        if let title { fields["title"] = .string(title) }
        if let description { fields["description"] = .string(description) }
        if let status { fields["status"] = .string(status) }
        if let priority { fields["priority"] = .string(priority) }
        if let dueDate { fields["due_date"] = .string(dueDate) }
        return fields
    }
}
