import ArgumentParser
import Ledger
import Projections

/// `--as-of TIME | --position N`: which point of the ledger to answer for.
struct PointOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: ArgumentHelp("Answer as of this time (RFC 3339).", valueName: "TIME"))
    var asOf: String?

    @Option(help: ArgumentHelp("Answer as of this ledger position.", valueName: "N"))
    var position: Int?

    func validate() throws {
        if asOf != nil && position != nil { throw ValidationError("give either --as-of or --position, not both") }
        if let position, position < 0 { throw ValidationError("--position must be >= 0") }
    }

    func point() throws(LedgerError) -> ProjectionReader.Point {
        if let position { return .position(position) }
        if let asOf { return .time(try Timestamps.parse(asOf)) }
        return .head
    }
}
