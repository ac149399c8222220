import ArgumentParser
import Foundation
import Ledger

/// The exit codes of SPEC section 4 (sysexits.h values).
enum ExitStatus {
    static let altered: Int32 = 1
    static let usage: Int32 = 64
    static let invalidInput: Int32 = 65
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let conflict: Int32 = 75

    static func code(for error: LedgerError) -> Int32 {
        switch error.code {
        case .invalidInput, .illegalTransition: return invalidInput
        case .conflict: return conflict
        case .databaseUnavailable: return unavailable
        case .ledgerAltered: return altered
        case .usage, .notFound: return usage
        case .database, .internal: return software
        }
    }
}

extension LedgerError {
    /// Prints the error on stderr and returns the exit code that goes with it.
    func report(command: String) -> ExitCode {
        var text = "mcledger \(command): error: \(description)"
        if let hint = details["hint"] { text += "\nhint: \(hint)" }
        if details["sqlstate"] == "3F000" || details["sqlstate"] == "42P01" || details["sqlstate"] == "42883" {
            text += "\nhint: the mcledger schema is missing or outdated; run `mcledger migrate`"
        }
        StandardError.write(text + "\n")
        return ExitCode(ExitStatus.code(for: self))
    }
}

/// Runs a command body, turning any `LedgerError` into its message and exit code.
func runReportingErrors(_ command: String, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as LedgerError {
        throw error.report(command: command)
    }
}
