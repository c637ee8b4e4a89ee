import DocketAPI
import Foundation

extension APIHandler {
    func bulkUpdateTasks(_ input: Operations.BulkUpdateTasks.Input) async throws -> Operations.BulkUpdateTasks.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let caller = try await requireUser(.scope(.tasksWrite))
        try rejectExplicitNulls()
        let update = BulkTaskUpdate(body)
        try update.validate()
        let job = try await jobs.enqueueTaskJob(
            kind: BulkUpdateTasksJob.kind, payload: update, owner: caller.id, maxPending: settings.maxPendingJobsPerUser, logger: requestLogger)
        return .accepted(.init(headers: .init(location: Self.location(of: job)), body: .json(.init(job))))
    }

    func importTasks(_ input: Operations.ImportTasks.Input) async throws -> Operations.ImportTasks.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let caller = try await requireUser(.scope(.tasksWrite))
        try rejectExplicitNulls(except: Self.importAcceptsNull)
        let plan: TaskImport
        switch (body.tasks, body.csv, body.todoistCsv, body.docketExport) {
        case (let tasks?, nil, nil, nil): plan = try TaskImport(tasks.map(NewTask.init)) { "/tasks/\($0)" }
        case (nil, let csv?, nil, nil): plan = try TaskImport.csv(csv)
        case (nil, nil, let todoist?, nil): plan = try ForeignImport.todoist(todoist)
        case (nil, nil, nil, let export?): plan = try ForeignImport.docketExport(export.tasks.map(\.exportFields))
        default: throw AppError.validation([FieldError(pointer: "", message: "must hold exactly one of tasks, csv, todoist_csv and docket_export")])
        }
        try await tasks.quota.check(owner: caller.id, adding: plan.rows.count, on: database.sql(logger: requestLogger))
        let job = try await jobs.enqueueTaskJob(
            kind: ImportTasksJob.kind, payload: plan, owner: caller.id, maxPending: settings.maxPendingJobsPerUser, logger: requestLogger)
        return .accepted(.init(headers: .init(location: Self.location(of: job)), body: .json(.init(job))))
    }

    func listJobs(_ input: Operations.ListJobs.Input) async throws -> Operations.ListJobs.Output {
        let caller = try await requireUser(.scope(.tasksRead))
        let (limit, _) = try Paging.validate(limit: input.query.limit, offset: nil)
        let state = input.query.state.flatMap { JobState(rawValue: $0.rawValue) }
        let found = try await jobs.list(owner: caller.id, state: state, kinds: caller.readableJobKinds, limit: limit, logger: requestLogger)
        return .ok(.init(body: .json(.init(items: found.map(Components.Schemas.Job.init)))))
    }

    func getJob(_ input: Operations.GetJob.Input) async throws -> Operations.GetJob.Output {
        let caller = try await requireUser(.scope(.tasksRead))
        let job = try await jobs.job(
            try Self.jobID(input.path.id), owner: caller.id, kinds: caller.readableJobKinds, logger: requestLogger)
        return .ok(.init(body: .json(.init(job))))
    }

    func cancelJob(_ input: Operations.CancelJob.Input) async throws -> Operations.CancelJob.Output {
        let caller = try await requireUser(.scope(.tasksWrite))
        let job = try await jobs.cancel(
            try Self.jobID(input.path.id), owner: caller.id, kinds: caller.readableJobKinds, logger: requestLogger)
        return .ok(.init(body: .json(.init(job))))
    }

    func retryJob(_ input: Operations.RetryJob.Input) async throws -> Operations.RetryJob.Output {
        let caller = try await requireUser(.scope(.tasksWrite))
        let job = try await jobs.retry(
            try Self.jobID(input.path.id), owner: caller.id, kinds: caller.readableJobKinds, logger: requestLogger)
        return .ok(.init(body: .json(.init(job))))
    }

    private static func jobID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw AppError(.badRequest, "The job id is not a UUID.") }
        return id
    }

    private static func location(of job: JobRecord) -> String { "/api/v1/jobs/\(job.id.uuidString.lowercased())" }
}

extension APIHandler {
    /// Where an import may hold `null`: a task's description and due date (as in `POST /api/v1/tasks`), and anywhere in a
    /// Docket export document except its task list, a task, or a task's title, status or priority (the rest of the
    /// document is not imported, and its events say `"to": null` for every field that was cleared).
    static func importAcceptsNull(at pointer: String) -> Bool {
        let parts = pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch parts.first {
        case "tasks":
            return parts.count == 3 && (parts[2] == "description" || parts[2] == "due_date")
        case "docket_export":
            guard parts.count >= 2, parts[1] == "tasks" else { return parts.count >= 2 }
            return parts.count > 4 || (parts.count == 4 && !["title", "status", "priority"].contains(parts[3]))
        default:
            return false
        }
    }
}
