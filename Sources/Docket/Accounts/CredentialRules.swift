import Foundation

/// The rules for emails, passwords and names, reporting every invalid field at once.
enum CredentialRules {
    /// The normalised email, with a field error at `pointer` when it is not a valid address (the contract's
    /// pattern, at most 254 characters).
    static func email(_ raw: String, pointer: String = "/email", into errors: inout [FieldError]) -> EmailAddress {
        if raw.unicodeScalars.count > 254 || !TextPatterns.emailRule.matches(raw) {
            errors.append(FieldError(pointer: pointer, message: "must be a valid email address (name@example.com)"))
        }
        return EmailAddress(raw)
    }

    /// 8–128 characters (code points) with an upper-case letter, a lower-case letter and a digit.
    static func password(_ password: String, pointer: String = "/password", into errors: inout [FieldError]) {
        let length = password.unicodeScalars.count
        if length < 8 || length > 128 {
            errors.append(FieldError(pointer: pointer, message: "must be 8 to 128 characters long"))
        } else if !TextPatterns.passwordRule.matches(password) {
            errors.append(FieldError(pointer: pointer, message: "must contain an upper-case letter (A-Z), a lower-case letter (a-z) and a digit"))
        }
    }

    /// The trimmed name: at most 100 characters, no control characters, not only white space.
    static func name(_ raw: String, pointer: String = "/name", into errors: inout [FieldError]) -> String {
        if raw.unicodeScalars.count > 100 || !TextPatterns.nameRule.matches(raw) {
            errors.append(FieldError(pointer: pointer, message: "must be 1 to 100 characters, not blank, without control characters"))
        }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Throws a 422 listing `errors` when there are any.
    static func check(_ errors: [FieldError]) throws {
        if !errors.isEmpty { throw AppError.validation(errors) }
    }
}
