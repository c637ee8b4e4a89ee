/// One invalid field: where it is (a JSON pointer) and what is wrong.
public struct FieldError: Sendable, Equatable, Codable {
    /// RFC 6901 pointer into the request body, e.g. `/title`.
    public var pointer: String
    /// What is wrong with the value.
    public var message: String

    /// Names a field by pointer and says what is wrong with it.
    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }
}
