import Foundation

/// An email address in the one form Docket stores and compares: trimmed of surrounding whitespace and lower-cased.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The normalised address.
    public let value: String

    /// Normalises what a person typed; says nothing about whether it is a valid address (`CredentialRules.email` does).
    public init(_ raw: String) {
        self.value = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    public var description: String { value }
}
