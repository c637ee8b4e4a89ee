import Foundation

/// Strong ETags built from task versions: the `ETag` of a response, and `If-Match` / `If-None-Match` decoded.
enum ETag {
    /// The strong entity tag of a task version, e.g. `"3"`.
    static func of(_ task: TaskRecord) -> String { "\"\(task.version)\"" }

    /// The version precondition an `If-Match` value states; nil when there is none.
    /// `*` admits any version; otherwise only the versions named by strong tags (others can never match).
    static func precondition(ifMatch: String?) -> VersionPrecondition? {
        guard let ifMatch else { return nil }
        let tags = ifMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if tags.contains("*") { return .anyVersion }
        return .oneOf(tags.compactMap(version(inStrongTag:)))
    }

    /// Whether an `If-None-Match` value names the current ETag (weak comparison, as RFC 9110 asks for GET).
    static func matches(_ ifNoneMatch: String?, current: TaskRecord) -> Bool {
        guard let ifNoneMatch else { return false }
        let etag = of(current)
        let tags = ifNoneMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return tags.contains("*") || tags.contains { $0 == etag || $0 == "W/" + etag }
    }

    /// The version in a tag written exactly as `of` writes it (`"12"`), else nil.
    private static func version(inStrongTag tag: String) -> Int? {
        guard tag.count >= 3, tag.hasPrefix("\""), tag.hasSuffix("\"") else { return nil }
        let digits = tag.dropFirst().dropLast()
        guard let version = Int(digits), String(version) == digits else { return nil }
        return version
    }
}
