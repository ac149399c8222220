extension LedgerError {
    /// The same error with its message prefixed by the stream and `details["stream"]` set.
    func onStream(_ stream: String) -> LedgerError {
        var copy = self
        copy.message = "stream '\(stream)': \(message)"
        copy.details["stream"] = stream
        return copy
    }
}
