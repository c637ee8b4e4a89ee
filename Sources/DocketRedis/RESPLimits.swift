/// Bounds on what a reply may contain, so a broken or hostile server cannot make the client allocate without limit.
public struct RESPLimits: Sendable, Equatable {
    /// The longest bulk string accepted.
    public var maxBulkBytes: Int
    /// The most elements in one array.
    public var maxArrayCount: Int
    /// How deeply arrays may nest.
    public var maxDepth: Int
    /// The longest simple string, error or integer line (without its CRLF).
    public var maxLineBytes: Int
    /// The most bytes one whole reply may take (nested arrays of the largest strings would otherwise multiply).
    public var maxReplyBytes: Int

    /// Defaults that fit Docket's messages with a wide margin: 16 MiB strings, 1 Mi elements, depth 8, 64 KiB lines,
    /// 64 MiB per reply.
    public init(
        maxBulkBytes: Int = 16 << 20, maxArrayCount: Int = 1 << 20, maxDepth: Int = 8, maxLineBytes: Int = 64 << 10,
        maxReplyBytes: Int = 64 << 20
    ) {
        self.maxBulkBytes = maxBulkBytes
        self.maxArrayCount = maxArrayCount
        self.maxDepth = maxDepth
        self.maxLineBytes = maxLineBytes
        self.maxReplyBytes = maxReplyBytes
    }
}
