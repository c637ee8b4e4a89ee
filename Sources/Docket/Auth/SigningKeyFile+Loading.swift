import Crypto
import Foundation
import Logging

extension SigningKeyFile {
    /// A secret for signing pagination cursors, derived from the signing key so every node sharing the file agrees.
    var cursorSecret: SymmetricKey {
        let signing = keys.first { $0.kid == signingKID }?.d ?? signingKID
        return HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(signing.utf8)), info: Data("docket pagination cursor v1".utf8), outputByteCount: 32)
    }

    /// A secret for signing export download links, derived like `cursorSecret` (rotating the signing key invalidates
    /// links not yet used).
    var exportLinkSecret: SymmetricKey {
        let signing = keys.first { $0.kid == signingKID }?.d ?? signingKID
        return HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(signing.utf8)), info: Data("docket export link v1".utf8), outputByteCount: 32)
    }

    /// The configured key file; without `DOCKET_JWT_KEYS_FILE`, the data directory's, generated on first start.
    static func loadOrCreate(config: DocketConfig, logger: Logger) throws -> SigningKeyFile {
        let path = config.keysFilePath
        if config.auth.keysFile != nil || FileManager.default.fileExists(atPath: path) {
            return try read(from: path)
        }
        let file = generated()
        try file.write(to: path)
        logger.warning(
            "generated a JWT signing key; set DOCKET_JWT_KEYS_FILE to share keys between nodes",
            metadata: ["path": .string(path), "kid": .string(file.signingKID)])
        return file
    }
}
