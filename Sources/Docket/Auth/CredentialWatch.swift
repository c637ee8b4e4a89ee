/// Keeps asking whether the credential that opened a long-lived connection (an event feed) still holds: signed out,
/// revoked, expired or deactivated ends the connection at the next check, `interval` at most after the change is
/// visible to this node (other nodes see it within the authentication cache lifetime).
struct CredentialWatch: Sendable {
    /// How often `holds` is asked.
    let interval: Duration
    /// False once the credential would be refused; a database that cannot answer counts as holding (the feed, which
    /// reads the same database, fails on its own).
    let holds: @Sendable () async -> Bool

    /// A watch that never ends anything, for transports whose caller is checked elsewhere.
    static let never = CredentialWatch(interval: .seconds(3600)) { true }
}
