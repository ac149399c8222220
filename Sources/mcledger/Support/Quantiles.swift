/// The median and the 99th percentile of a set of measurements.
enum Quantiles {
    /// p50 and p99 of `values`, in their unit (0 when there are none): the
    /// values at ranks floor(n * 0.5) and floor(n * 0.99) of the sorted values.
    static func p50p99(_ values: [Double]) -> (p50: Double, p99: Double) {
        let sorted = values.sorted()
        func at(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
        return (at(0.5), at(0.99))
    }
}
