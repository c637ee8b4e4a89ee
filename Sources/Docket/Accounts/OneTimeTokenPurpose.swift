/// What a one-time token is for.
enum OneTimeTokenPurpose: String {
    case emailVerification = "email_verification"
    case passwordReset = "password_reset"
}
