import FluentKit

/// The ordered list of schema migrations; append only, never edit one that has shipped.
enum DocketMigrations {
    static let all: [any Migration] = [
        CreateUsers(),
        CreateRefreshTokens(),
        CreateOneTimeTokens(),
        CreateAuditEvents(),
        CreateRateLimitBuckets(),
        CreateTasks(),
        CreateIdempotencyKeys(),
        CreatePersonalAccessTokens(),
        CreateJobs(),
        CreateToolCalls(),
        CreateEvents(),
        CreateWebhooks(),
        CreateSessions(),
        AggregateAuditEvents(),
        CreateEventConsumers(),
        CreateSagas(),
        CreateExports(),
        CreateTaskCounts(),
        AddOneUnfinishedSagaIndex(),
        AddDeadLetterMessageIndex(),
        SeparateDeactivationFromDeletion(),
        CreateExportParts(),
    ]
}
