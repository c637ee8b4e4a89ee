/// An email to send.
public struct MailMessage: Sendable, Equatable {
    public let to: String
    public let subject: String
    public let body: String
    /// The link the message carries (verification or reset).
    public let link: String
}
