/// An account's role.
public enum UserRole: String, Sendable {
    case user
    case admin
}
