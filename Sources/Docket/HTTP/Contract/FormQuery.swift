import Foundation

/// A query string read the way HTML forms and OpenAPI's `form` style write it: `&`-separated `name=value` pairs,
/// `+` for a space, percent-encoding decoded (what the generated layer reads too).
struct FormQuery {
    private let pairs: [(name: String, value: String)]

    init(_ raw: String) {
        pairs = raw.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    /// Every value sent for `name`, in order.
    func values(named name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
