import Foundation

/// The rules for emails, passwords and names, reporting every invalid field at once.
enum CredentialRules {
    /// The normalised email, with a field error at `pointer` when it is not a valid address.
    static func email(_ raw: String, pointer: String = "/email", into errors: inout [FieldError]) -> EmailAddress {
        let address = EmailAddress(raw)
        let email = address.value
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            email.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[0].count <= 64 && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !email.contains("..")
            && email.unicodeScalars.allSatisfy { !CharacterSet.whitespacesAndNewlines.contains($0) && !CharacterSet.controlCharacters.contains($0) }
        if !valid { errors.append(FieldError(pointer: pointer, message: "must be a valid email address")) }
        return address
    }

    /// Checks length (8–128 characters) and character classes.
    static func password(_ password: String, pointer: String = "/password", into errors: inout [FieldError]) {
        let length = password.count
        if length < 8 || length > 128 {
            errors.append(FieldError(pointer: pointer, message: "must be 8 to 128 characters long"))
        } else if !password.contains(where: \.isUppercase) || !password.contains(where: \.isLowercase)
            || !password.contains(where: \.isNumber)
        {
            errors.append(FieldError(pointer: pointer, message: "must contain an upper-case letter, a lower-case letter and a digit"))
        } else if password.unicodeScalars.contains(where: { $0.value == 0 }) {
            errors.append(FieldError(pointer: pointer, message: "must not contain NUL characters"))
        }
    }

    /// The trimmed name (1–100 characters), or a field error.
    static func name(_ raw: String, pointer: String = "/name", into errors: inout [FieldError]) -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 100 || name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
            errors.append(FieldError(pointer: pointer, message: "must be 1 to 100 characters without control characters"))
        }
        return name
    }

    /// Throws a 422 listing `errors` when there are any.
    static func check(_ errors: [FieldError]) throws {
        if !errors.isEmpty { throw AppError.validation(errors) }
    }
}
