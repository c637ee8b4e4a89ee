/// Makes user text match literally inside a SQL LIKE pattern (with `ESCAPE '\'`).
enum LikePattern {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}
