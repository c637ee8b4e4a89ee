/// Reads RFC 4180 CSV: comma-separated fields, double-quoted fields that may hold commas, newlines and `""` quotes,
/// lines ending in LF or CRLF. Returns nil for a quote left open or text after a closing quote.
enum CSVReader {
    static func rows(_ text: String) -> [[String]]? {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var afterQuote = false
        var characters = text.makeIterator()
        while let character = characters.next() {
            if quoted {
                if character == "\"" {
                    quoted = false
                    afterQuote = true
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"":
                if afterQuote {
                    field.append("\"")  // "" inside a quoted field
                    quoted = true
                    afterQuote = false
                } else if field.isEmpty {
                    quoted = true
                } else {
                    return nil
                }
            case ",":
                row.append(field)
                field = ""
                afterQuote = false
            case "\n", "\r\n":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
                afterQuote = false
            default:
                if afterQuote { return nil }
                field.append(character)
            }
        }
        if quoted { return nil }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
