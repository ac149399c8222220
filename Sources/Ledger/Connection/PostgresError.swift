import CLibPQ
import Foundation

/// Maps PostgreSQL errors (by SQLSTATE) to `LedgerError` codes.
enum PostgresError {
    /// Builds the `LedgerError` for a failed result; `details["sqlstate"]` carries the SQLSTATE.
    static func ledgerError(from result: OpaquePointer, connection: OpaquePointer?) -> LedgerError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let sqlstate = field(Int32(UInt8(ascii: "C"))) ?? ""
        let primary = field(Int32(UInt8(ascii: "M")))
            ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        var details = ["sqlstate": sqlstate]
        if let detail = field(Int32(UInt8(ascii: "D"))) { details["detail"] = detail }
        if let hint = field(Int32(UInt8(ascii: "H"))) { details["hint"] = hint }
        if sqlstate == "25006" && details["hint"] == nil {
            details["hint"] = "the database is read-only (a hot standby, or default_transaction_read_only): appends and projection updates need the primary; reads work here"
        }
        let lost = connection.map { PQstatus($0) != CONNECTION_OK } ?? true
        return LedgerError(code(for: sqlstate, connectionLost: lost), primary, details: details)
    }

    static func code(for sqlstate: String, connectionLost: Bool) -> LedgerError.Code {
        if connectionLost || sqlstate.isEmpty { return .databaseUnavailable }
        switch sqlstate {
        case "57P01", "57P02", "57P03", "53300": return .databaseUnavailable // shutdown, crash, starting, too many connections
        case "25006": return .databaseUnavailable                              // read-only: a standby (or a primary being failed over) takes no writes
        case "40001", "40P01": return .conflict                                // serialization failure, deadlock
        case "23505": return .conflict                                         // unique violation
        case "MLCF1": return .conflict                                         // mcledger: version conflict
        case "MLCF2": return .conflict                                         // mcledger: the transaction a batch follows has not committed
        case "MLIN1": return .invalidInput                                     // mcledger: invalid append arguments
        default: break
        }
        switch sqlstate.prefix(2) {
        case "08": return .databaseUnavailable
        case "22": return .invalidInput  // data exceptions: numeric overflow, bad jsonb, ...
        case "42": return .database
        default: return .database
        }
    }
}
