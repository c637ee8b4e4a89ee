import SQLKit

/// Tells a read from a write by a statement's form, so a write can be sent to the one writer.
enum SQLStatementKind {
    /// Whether `query` only reads: a `SELECT` (or `EXPLAIN`, or a connection-local `PRAGMA`); anything else, or text
    /// that cannot be told, counts as a write. Built statements are told by their type; text only when it must be.
    static func isRead(_ query: any SQLExpression, serializedBy database: any SQLDatabase) -> Bool {
        switch query {
        case is SQLSelect, is SQLUnion: return true
        case is SQLInsert, is SQLUpdate, is SQLDelete: return false
        default:
            var serializer = SQLSerializer(database: database)
            query.serialize(to: &serializer)
            return isRead(text: serializer.sql)
        }
    }

    /// Whether SQL text starts with a reading keyword (after blanks and opening parentheses).
    static func isRead(text: String) -> Bool {
        let start = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "(" }
        let keyword = start.prefix { $0.isLetter }.uppercased()
        return keyword == "SELECT" || keyword == "EXPLAIN" || keyword == "PRAGMA" || keyword == "VALUES"
    }
}
