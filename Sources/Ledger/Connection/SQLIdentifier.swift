import Foundation

/// Quoting for the few identifiers mcledger must splice into SQL (database
/// names in CREATE DATABASE), which cannot be bound as parameters.
public enum SQLIdentifier {
    /// Longest identifier PostgreSQL keeps (NAMEDATALEN - 1).
    public static let maxLength = 63

    /// `"name"` with embedded quotes doubled; refuses names PostgreSQL would
    /// truncate or that contain NUL.
    public static func quote(_ name: String) throws(LedgerError) -> String {
        guard !name.isEmpty, name.utf8.count <= maxLength, !name.utf8.contains(0) else {
            throw LedgerError(.invalidInput, "invalid SQL identifier '\(name)': 1 to \(maxLength) bytes, no NUL")
        }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
