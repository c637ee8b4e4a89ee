import Foundation

/// Why a key cannot be retired (yet).
public enum KeyRetirementError: Error, CustomStringConvertible, Equatable {
    case unknown(String)
    case signing(String)
    case stillInUse(String, until: Date)

    public var description: String {
        switch self {
        case .unknown(let kid): "no key \(kid) in the key file"
        case .signing(let kid): "\(kid) is the signing key; rotate first (docket keys rotate), then retire it once its tokens expired"
        case .stillInUse(let kid, let until):
            "tokens signed by \(kid) may be valid until \(ISO8601DateFormatter().string(from: until)); retire it after that"
        }
    }
}
