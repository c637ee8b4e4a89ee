import Foundation

/// The text rules `openapi.yaml` states as `pattern`s, compiled once for the server's own checks (accounts made from
/// the CLI, imported tasks), so the contract and the server accept exactly the same values. `ContractTests` checks
/// that each string here is the pattern the contract declares.
enum TextPatterns {
    /// An email address: RFC 5322 `dot-atom` local part, `@`, a domain of at least two dot-separated labels.
    static let email = #"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"#
    /// A password with an upper-case letter, a lower-case letter and a digit (A–Z, a–z, 0–9), in any order.
    static let password =
        #"[A-Z][\s\S]*[a-z][\s\S]*[0-9]|[A-Z][\s\S]*[0-9][\s\S]*[a-z]|[a-z][\s\S]*[A-Z][\s\S]*[0-9]|"#
        + #"[a-z][\s\S]*[0-9][\s\S]*[A-Z]|[0-9][\s\S]*[A-Z][\s\S]*[a-z]|[0-9][\s\S]*[a-z][\s\S]*[A-Z]"#
    /// A display name: no control characters, and not only white space.
    static let name =
        #"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$"#
    /// A task title: no NUL, and not only white space.
    static let title = #"^[^\x00]*[^\x00\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$"#
    /// A task description: no NUL.
    static let description = #"^[^\x00]*$"#

    // Compiled once; an NSRegularExpression is immutable and safe to share. The patterns are constants checked by tests.
    static let emailRule = try! CompiledPattern(email)
    static let passwordRule = try! CompiledPattern(password)
    static let nameRule = try! CompiledPattern(name)
    static let titleRule = try! CompiledPattern(title)
    static let descriptionRule = try! CompiledPattern(description)
}
