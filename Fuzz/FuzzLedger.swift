#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer entry point: checks ``ParserProperties`` on one input and aborts
/// (which libFuzzer records as a finding, with the input saved) when one fails.
/// Built by scripts/fuzz.sh together with the Ledger sources it exercises.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = count == 0 ? [] : Array(UnsafeBufferPointer(start: start, count: count))
    let failures = ParserProperties.check(bytes)
    if !failures.isEmpty {
        for failure in failures {
            let message = Array("property failed: \(failure)\n".utf8)
            _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
        abort()
    }
    return 0
}
