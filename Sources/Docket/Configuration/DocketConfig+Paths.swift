import Foundation

extension DocketConfig {
    /// Where the JWT key file is: `DOCKET_JWT_KEYS_FILE`, or `jwt-keys.json` in the data directory.
    public var keysFilePath: String {
        auth.keysFile ?? (dataDirectory as NSString).appendingPathComponent("jwt-keys.json")
    }
}
