import Foundation

/// Where and how to send email over SMTP, from `DOCKET_SMTP_URL` (`smtp://user:pass@host:587` uses STARTTLS,
/// `smtps://…:465` TLS from the first byte), `DOCKET_SMTP_FROM` (the sender address), and optionally
/// `DOCKET_SMTP_CA_FILE` (a PEM file of extra trusted certificates, for a private mail relay). Plain SMTP without
/// TLS is allowed only to a loopback relay (`smtp://127.0.0.1:25?tls=none`), so credentials never cross a network
/// in clear text.
public struct SMTPSettings: Sendable, Equatable {
    /// How the connection is protected.
    public enum Security: String, Sendable {
        case startTLS, tls, plain
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    public var from: String
    public var caFile: String?

    /// Reads the settings from a URL; nil with a reason when it cannot be used.
    static func parse(url text: String, from: String, caFile: String?) -> Result<SMTPSettings, ConfigError> {
        let fail = { (problem: String) in Result<SMTPSettings, ConfigError>.failure(ConfigError(variable: "DOCKET_SMTP_URL", problem: problem)) }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), let host = components.host,
            !host.isEmpty
        else { return fail("must look like smtp://user:password@host:587 or smtps://host:465") }
        guard scheme == "smtp" || scheme == "smtps" else { return fail("must use smtp:// (STARTTLS) or smtps:// (TLS)") }
        var security: Security = scheme == "smtps" ? .tls : .startTLS
        if components.queryItems?.first(where: { $0.name == "tls" })?.value == "none" {
            guard ["127.0.0.1", "::1", "localhost"].contains(host) else { return fail("tls=none is allowed only for a relay on this machine") }
            security = .plain
        }
        var errors: [FieldError] = []
        _ = CredentialRules.email(from, into: &errors)
        guard errors.isEmpty else {
            return .failure(ConfigError(variable: "DOCKET_SMTP_FROM", problem: "must be an email address, got \"\(from)\""))
        }
        return .success(
            SMTPSettings(
                host: host, port: components.port ?? (security == .tls ? 465 : 587), security: security,
                username: components.percentEncodedUser.flatMap { $0.removingPercentEncoding },
                password: components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }, from: from, caFile: caFile))
    }
}
