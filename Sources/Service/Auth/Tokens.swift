import Crypto
import Foundation
import Ledger

/// What a bearer token allows. `admin` includes `read` and `append`.
public enum Scope: String, Sendable, CaseIterable, Comparable {
    case read, append, admin

    /// Whether a token of this scope may call an endpoint that needs `required`.
    public func permits(_ required: Scope) -> Bool {
        self == .admin || self == required
    }

    public static func < (lhs: Scope, rhs: Scope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The tokens the server accepts, each with its scope.
///
/// Sources: a token file (`--token-file PATH`) with one `SCOPE TOKEN` per
/// line (blank lines and `#` comments ignored) and/or `MCLEDGER_TOKENS`, the
/// same entries separated by newlines or commas. Tokens are kept only as
/// SHA-256 digests and compared in constant time.
public struct TokenStore: Sendable {
    private var scopes: [(digest: [UInt8], scope: Scope)] = []

    public init() {}

    /// Entries of `text`, numbered by line for error messages; `origin` names the source.
    public init(parsing text: String, origin: String) throws(LedgerError) {
        try add(parsing: text, origin: origin)
    }

    public var isEmpty: Bool { scopes.isEmpty }
    public var count: Int { scopes.count }

    public mutating func add(_ token: String, scope: Scope) {
        scopes.append((Self.digest(token), scope))
    }

    public mutating func add(parsing text: String, origin: String) throws(LedgerError) {
        let entries = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "," }
        for (index, rawEntry) in entries.enumerated() {
            let entry = rawEntry.trimmingCharacters(in: .whitespacesAndNewlines)
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            let parts = entry.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2, let scope = Scope(rawValue: String(parts[0])) else {
                throw LedgerError(.usage, "\(origin), entry \(index + 1): expected 'SCOPE TOKEN' with SCOPE one of read, append, admin")
            }
            guard parts[1].count >= 16 else {
                throw LedgerError(.usage, "\(origin), entry \(index + 1): a token must be at least 16 characters")
            }
            add(String(parts[1]), scope: scope)
        }
    }

    /// The scope of `token`, or nil when it is not known. Every stored digest
    /// is compared, without early exit, so timing says nothing about which.
    public func scope(of token: String) -> Scope? {
        let candidate = Self.digest(token)
        var found: Scope?
        for entry in scopes {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, candidate) { difference |= a ^ b }
            if difference == 0 { found = max(found ?? entry.scope, entry.scope) }
        }
        return found
    }

    private static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }
}
