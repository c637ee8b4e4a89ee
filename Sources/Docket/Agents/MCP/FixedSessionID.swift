import MCP

/// Hands the SDK's transport a session id chosen by Docket (256 random bits), so the registry knows it beforehand.
struct FixedSessionID: SessionIDGenerator {
    let id: String

    func generateSessionID() -> String { id }
}
