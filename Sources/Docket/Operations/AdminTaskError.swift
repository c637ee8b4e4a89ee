/// An operator task that cannot be done, with a one-line reason.
public struct AdminTaskError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
