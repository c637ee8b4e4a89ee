import Foundation

extension UUID {
    /// The lower-case text form the API uses.
    var lowercased: String { uuidString.lowercased() }
}
