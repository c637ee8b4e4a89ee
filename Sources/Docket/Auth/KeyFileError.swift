/// A key file that cannot be used.
public struct KeyFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    public var description: String { "\(path): \(reason)" }
}
