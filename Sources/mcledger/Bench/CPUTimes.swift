import Foundation
import Ledger

/// CPU time spent so far, read from /proc (Linux): the machine's, one
/// process's, and a PostgreSQL cluster's (the postmaster, its live children
/// and the children it has reaped, so a backend that exits in between still
/// counts). Two samples around a workload say what each operation cost and
/// how busy the cores were: whether a rate is bound by CPU.
struct CPUTimes {
    /// Seconds, summed over all cores: busy (every state but idle and
    /// iowait) and in all.
    var machineBusy = 0.0
    var machineTotal = 0.0
    /// Seconds of the given process (user + system).
    var process = 0.0
    /// Seconds of the cluster's processes.
    var postgres = 0.0

    /// A sample now, of `process` (this one by default) and of the cluster
    /// under `postmaster`. Fields /proc does not show stay 0.
    static func sample(process: pid_t = getpid(), postmaster: pid_t) -> CPUTimes {
        var times = CPUTimes()
        let tick = Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
        if let line = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8))?.split(separator: "\n").first {
            // cpu user nice system idle iowait irq softirq steal ...
            let ticks = line.split(separator: " ").dropFirst().prefix(8).map { Double($0) ?? 0 }
            if ticks.count == 8 {
                let total = ticks.reduce(0, +)
                times.machineTotal = total / tick
                times.machineBusy = (total - ticks[3] - ticks[4]) / tick
            }
        }
        times.process = (stat(of: process).map { $0.own } ?? 0) / tick
        var postgres = 0.0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let fields = stat(of: pid) else { continue }
            if pid == postmaster {
                postgres += fields.own + fields.reaped
            } else if fields.parent == postmaster {
                postgres += fields.own
            }
        }
        times.postgres = postgres / tick
        return times
    }

    /// `body`'s result and the CPU time it took: `process`'s (this one by
    /// default), the cluster's under `postmaster`, and the machine's.
    static func measure<T>(process: pid_t = getpid(), postmaster: pid_t,
                           _ body: () async throws(LedgerError) -> T) async throws(LedgerError) -> (T, CPUTimes) {
        let before = sample(process: process, postmaster: postmaster)
        let result = try await body()
        return (result, sample(process: process, postmaster: postmaster).since(before))
    }

    /// The time between `earlier` and this sample.
    func since(_ earlier: CPUTimes) -> CPUTimes {
        CPUTimes(machineBusy: machineBusy - earlier.machineBusy, machineTotal: machineTotal - earlier.machineTotal,
                 process: process - earlier.process, postgres: postgres - earlier.postgres)
    }

    /// Busy share of all cores, 0...1.
    var busy: Double { machineTotal > 0 ? machineBusy / machineTotal : 0 }

    /// Per operation, for a note: `process` (named `name`), PostgreSQL and
    /// the rest of the machine's busy time, in microseconds, and how busy
    /// the cores were.
    func perOperation(_ operations: Int, process name: String, unit: String) -> String {
        func micros(_ seconds: Double) -> String {
            let value = max(seconds, 0) / Double(max(operations, 1)) * 1e6
            return value < 10 ? String(format: "%.1f us", value) : "\(Int(value.rounded())) us"
        }
        return "\(name) \(micros(process)) + PostgreSQL \(micros(postgres)) + the rest of the machine "
            + "\(micros(machineBusy - process - postgres)) per \(unit), cores \(Int((busy * 100).rounded()))% busy"
    }

    /// The parent of `pid` (nil when /proc does not show it).
    static func parent(of pid: pid_t) -> pid_t? {
        stat(of: pid)?.parent
    }

    /// From /proc/PID/stat: the parent, the process's own ticks (utime +
    /// stime) and its reaped children's (cutime + cstime).
    private static func stat(of pid: pid_t) -> (parent: pid_t, own: Double, reaped: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)": state ppid ... utime(14) stime(15) cutime(16) cstime(17), counting from 1.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let parent = pid_t(fields[1]) else { return nil }
        let number = { (index: Int) in Double(fields[index]) ?? 0 }
        return (parent, number(11) + number(12), number(13) + number(14))
    }
}
