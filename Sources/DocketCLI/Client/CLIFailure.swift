import ArgumentParser
import DocketClient
import Foundation

/// A client command's failure: one line for stderr and the exit code scripts branch on (README, "Exit codes").
struct CLIFailure: Error {
    /// The documented exit codes of the client commands (after BSD sysexits).
    enum Code: Int32 {
        /// Something unexpected: a bug, or an answer the contract does not describe.
        case failure = 1
        /// A bad command line (ArgumentParser's own usage errors use the same code).
        case usage = 64
        /// The server refused the input: 400, 409, 412, 413, 415, 422.
        case refused = 65
        /// No such task or token: 404.
        case notFound = 66
        /// The server is unreachable or unavailable: connection failures, 503, other 5xx.
        case unavailable = 69
        /// Rate limited (429): retry after the time printed.
        case retryLater = 75
        /// Not signed in, the session is over, or not allowed: 401, 403.
        case notPermitted = 77
    }

    let code: Code
    let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Why a connection failed, in words (the transport's own descriptions nest errno texts and type names).
    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("Connection refused") || text.contains("errno: 111") {
            return "connection refused (is Docket running there? check --url or DOCKET_URL)"
        }
        if text.contains("UnknownHost") || text.contains("DNS error") { return "the host name does not resolve (check --url or DOCKET_URL)" }
        if text.lowercased().contains("timeout") || text.lowercased().contains("timed out") { return "the connection timed out" }
        if text.contains("certificate") || text.contains("TLS") || text.contains("handshake") { return "the TLS handshake failed: \(text)" }
        return text
    }

    /// The failure a client error stands for.
    init(_ error: any Error) {
        switch error {
        case let failure as CLIFailure:
            self = failure
        case let problem as DocketProblem:
            let code: Code =
                switch problem.kind {
                case .unauthorized, .forbidden: .notPermitted
                case .notFound: .notFound
                case .rateLimited: .retryLater
                case .serviceUnavailable, .serverError, .outcomeUnknown: .unavailable
                case .badRequest, .conflict, .preconditionFailed, .payloadTooLarge, .unsupportedMediaType, .validationFailed, .gone:
                    .refused
                case .other: .failure
                }
            var line = problem.description
            if problem.kind == .unauthorized {
                // A script's token is not fixed by signing in: say what is.
                let scripted = !(ProcessInfo.processInfo.environment["DOCKET_TOKEN"] ?? "").isEmpty
                line +=
                    scripted
                    ? "; the token in DOCKET_TOKEN was refused (revoked or expired): create another (`docket tokens create`)" : "; run `docket login`"
            }
            if problem.kind == .preconditionFailed { line += "; the task changed meanwhile: show it and try again" }
            if problem.kind == .outcomeUnknown { line += "; check with `docket tasks list` before trying again" }
            self.init(code, line)
        case DocketClientError.signedOut(let reason):
            self.init(.notPermitted, "not signed in (\(reason)); run `docket login --url URL` or set DOCKET_TOKEN")
        case DocketClientError.transport(let underlying):
            self.init(.unavailable, "cannot reach the server: \(Self.reason(underlying))")
        case let error as DocketClientError:
            self.init(.failure, "\(error)")
        default:
            self.init(.failure, "\(error)")
        }
    }
}

/// Runs a client command's body; a failure becomes `docket: <message>` on stderr and its exit code.
func runClientCommand(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let failure = CLIFailure(error)
        FileHandle.standardError.write(Data("docket: \(failure.message)\n".utf8))
        throw ExitCode(failure.code.rawValue)
    }
}
