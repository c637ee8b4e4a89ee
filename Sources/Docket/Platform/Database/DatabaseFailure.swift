import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import HTTPTypes
import NIOCore
import OpenAPIRuntime

/// Recognises failures that mean "the database is unavailable" rather than "Docket has a bug".
enum DatabaseFailure {
    /// A 503 problem when `error` is an outage (connection refused, pool timeout, busy, read-only, disk full); a 400 when
    /// PostgreSQL refused text it cannot store (a NUL character) that a check above it let through; a 504
    /// `outcome-unknown` when a COMMIT was sent but not confirmed.
    static func problem(for error: any Error) -> AppError? {
        if isOutcomeUnknown(error) {
            return AppError(
                .outcomeUnknown,
                "The database did not confirm this write: it may or may not be stored. Read before retrying, or retry with the "
                    + "same Idempotency-Key.")
        }
        if isUnstorableText(error) { return AppError(.badRequest, "The request holds characters that cannot be stored (such as NUL).") }
        guard isUnavailable(error) else { return nil }
        return AppError(.serviceUnavailable, "The database is unavailable; try again shortly.", headers: [.retryAfter: "1"])
    }

    /// Whether `error` is (or wraps) a COMMIT of unknown outcome.
    static func isOutcomeUnknown(_ error: any Error) -> Bool {
        if let server = error as? ServerError { return isOutcomeUnknown(server.underlyingError) }
        return error is CommitOutcomeUnknown
    }

    /// PostgreSQL's "character not in repertoire" / "untranslatable character" (SQLSTATE 22021, 22P05).
    static func isUnstorableText(_ error: any Error) -> Bool {
        if let server = error as? ServerError { return isUnstorableText(server.underlyingError) }
        guard let psql = error as? PSQLError, let state = psql.serverInfo?[.sqlState] else { return false }
        return state == "22021" || state == "22P05"
    }

    static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case let error as ServerError:
            return isUnavailable(error.underlyingError)
        case let sqlite as SQLiteError:
            switch sqlite.reason {
            case .busy, .locked, .readOnly, .full, .ioError, .cantOpen, .busyTimeout, .busyInRecovery, .readonlyDirectory,
                .readonlyCantLock, .readonlyInRecovery, .readonlyInRollback, .readonlyBackingMoved, .ioErrorFailedWrite,
                .ioErrorFailedSync, .ioErrorFailedRead:
                return true
            default:
                // Every extended I/O error (shared memory, fsync, truncate, …) is the storage failing, not the client.
                return String(describing: sqlite.reason).hasPrefix("ioError")
            }
        case let read as DirectSQLiteError:
            return read.isUnavailable
        case let writer as SQLiteWriterError:
            return writer == .closed
        case let psql as PSQLError:
            switch psql.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
                .unexpectedBackendMessage:
                return true
            default:
                let sqlState = psql.serverInfo?[.sqlState] ?? ""
                // 40P01 deadlock and 40001 serialization failure: the transaction was rolled back; a retry succeeds.
                return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") || sqlState == "53300" || sqlState == "40P01"
                    || sqlState == "40001"
            }
        case is ChannelError, is IOError:
            return true
        default:
            return String(describing: type(of: error)).contains("ConnectionPoolTimeoutError")
        }
    }

    /// A description for logs that carries no request data or bound values.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as ServerError:
            return "operation \(error.operationID): \(describe(error.underlyingError))"
        case let psql as PSQLError:
            let state = psql.serverInfo?[.sqlState] ?? "-"
            return "PSQLError \(psql.code) sqlstate=\(state) \(psql.serverInfo?[.message] ?? "")"
        default:
            return String(String(describing: error).prefix(500))
        }
    }
}
