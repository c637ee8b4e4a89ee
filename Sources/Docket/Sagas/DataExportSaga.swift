import Foundation
import SQLKit

/// Exports a user's data: build the archive (`ExportDocument`, kept `lifetime` seconds), mail a signed single-use
/// download link to the account's address, and announce it with an `export.ready` event. Nothing to compensate: an
/// export that fails is retried and, when out of attempts, listed for operators like any stuck saga.
struct DataExportSaga: SagaDefinition {
    static let kind = "data_export"
    var kind: String { Self.kind }
    let links: ExportLinks
    let outbox: EventOutbox
    let maxAttempts: Int
    /// How long the download link works, in seconds (24 h).
    var lifetime: Int64 = 86_400

    static let stepNames = ["build_archive", "send_link", "announce"]
    var compensableThrough: Int { -1 }
    var changesAccount: Bool { false }

    /// What the steps record: when the archive expires, how big it is, and how far its building got.
    struct Facts: Codable, Sendable {
        var expiresAt: Int64?
        var bytes: Int?
        var progress: ExportDocument.Progress?
    }

    var steps: [SagaStep] {
        [
            SagaStep(Self.stepNames[0]) { [lifetime] saga, context in try await Self.buildArchive(&saga, context, lifetime: lifetime) },
            SagaStep(Self.stepNames[1]) { [links, maxAttempts] saga, context in
                try await Self.sendLink(&saga, context, links: links, maxAttempts: maxAttempts)
            },
            SagaStep(Self.stepNames[2]) { [outbox] saga, context in try await Self.announce(&saga, context, outbox: outbox) },
        ]
    }

    /// Builds the archive a batch per run, each its own short transaction (so a large export never holds SQLite's write
    /// lock for long): first the export's row and the document's fixed pieces, then a page of tasks per run, then a page
    /// of events per run. Each task is in the archive once, as it stood when its page was read.
    private static func buildArchive(_ saga: inout SagaRecord, _ context: SagaStepContext, lifetime: Int64) async throws -> SagaStepOutcome {
        var facts = try saga.facts(Facts.self)
        guard var progress = facts.progress else {
            let expiresAt = context.now + lifetime * 1_000_000
            // The document goes into `export_parts`; the row's own `document` stays empty.
            try await context.sql.insert(into: "exports").columns("id", "user_id", "document", "created_at", "expires_at")
                .values(SQLBind(saga.id), SQLBind(saga.userID), SQLBind(""), SQLBind(context.now), SQLBind(expiresAt)).run()
            let bytes = try await ExportDocument.writeFrame(of: saga.userID, export: saga.id, at: context.now, on: context.sql)
            try saga.record(Facts(expiresAt: expiresAt, bytes: bytes, progress: ExportDocument.Progress(bytes: bytes)))
            return .again
        }
        var more = true
        if progress.tasksDone {
            more = try await ExportDocument.writeEventPage(of: saga.userID, export: saga.id, progress: &progress, on: context.sql)
        } else {
            try await ExportDocument.writeTaskPage(of: saga.userID, export: saga.id, progress: &progress, on: context.sql)
        }
        facts.progress = progress
        facts.bytes = progress.bytes
        try saga.record(facts)
        return more ? .again : .done
    }

    private static func sendLink(_ saga: inout SagaRecord, _ context: SagaStepContext, links: ExportLinks, maxAttempts: Int) async throws
        -> SagaStepOutcome
    {
        let facts = try saga.facts(Facts.self)
        guard let expiresAt = facts.expiresAt,
            let email = try await context.sql.raw("SELECT email FROM users WHERE id = \(bind: saga.userID)").first()?.decode(
                column: "email", as: String.self)
        else { throw JobFailure.permanent("the export or its account is gone") }
        let link = links.link(for: saga.id, expires: expiresAt / 1_000_000)
        let payload = NoticeEmailJob.Payload(
            to: email, subject: "Your Docket export is ready",
            body:
                "Download your data (tasks, events and account, as JSON with the tasks also as CSV) once, until \(EventTime.seconds(expiresAt)):\n\(link)"
        )
        let job = JobRecord.new(
            kind: NoticeEmailJob.kind, payload: String(decoding: try JSONEncoder().encode(payload), as: UTF8.self), owner: nil,
            maxAttempts: maxAttempts, now: context.now)
        try await JobStore.insert(job, on: context.sql)
        return .done
    }

    private static func announce(_ saga: inout SagaRecord, _ context: SagaStepContext, outbox: EventOutbox) async throws -> SagaStepOutcome {
        let facts = try saga.facts(Facts.self)
        let data = ExportReadyData(
            exportID: saga.id.lowercased, expiresAt: EventTime.seconds(facts.expiresAt ?? context.now), bytes: facts.bytes ?? 0)
        let event = try PendingEvent(.exportReady, subject: "exports/\(saga.id.lowercased)", data: data)
        _ = try await outbox.append(event, owner: saga.userID, source: .job(saga.jobID), on: context.sql)
        return .done
    }
}

/// The data of `export.ready`: which export, until when its link works, and its size (the link itself goes by email only).
struct ExportReadyData: Encodable {
    let exportID: String
    let expiresAt: String
    let bytes: Int

    enum CodingKeys: String, CodingKey {
        case bytes
        case exportID = "export_id"
        case expiresAt = "expires_at"
    }
}
