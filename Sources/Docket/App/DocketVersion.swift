/// Docket's release version, reported by `docket version` and the contract's `info.version`.
public enum DocketVersion {
    /// The current version.
    public static let current = "0.1.0"
}
