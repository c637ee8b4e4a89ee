import Foundation

extension SagaRecord {
    /// The saga's recorded facts, decoded.
    func facts<Facts: Decodable>(_ type: Facts.Type) throws -> Facts {
        try JSONDecoder().decode(type, from: Data(data.utf8))
    }

    /// Replaces the recorded facts.
    mutating func record(_ facts: some Encodable) throws {
        data = String(decoding: try JSONEncoder().encode(facts), as: UTF8.self)
    }
}
