/// Docket's release version, reported by `docket version`, `/health` and the contract's `info.version` (CHANGELOG.md lists what each version brought).
public enum DocketVersion {
    /// The current version.
    public static let current = "0.2.0"
}
