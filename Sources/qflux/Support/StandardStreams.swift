import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The first error writing standard output other than EPIPE (0: none).
private let standardOutputErrno = Atomic<Int32>(0)

/// Unbuffered writes to standard output and error, for human and machine output alike.
enum StandardStreams {
    /// Writes bytes to a descriptor, retrying short writes. False when the reader went away.
    @discardableResult
    static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                if fd == 1, errno != EPIPE {
                    _ = standardOutputErrno.compareExchange(expected: 0, desired: errno, ordering: .relaxed)
                }
                return false
            }
            offset += n
        }
        return true
    }

    /// Writes bytes to standard output.
    @discardableResult
    static func out(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { write($0, to: 1) } }

    /// Writes a line to standard error.
    static func err(_ line: String) {
        var text = line
        if !text.hasSuffix("\n") { text += "\n" }
        var copy = text
        copy.withUTF8 { _ = write(UnsafeRawBufferPointer($0), to: 2) }
    }

    /// Why output was lost: standard output could not be written (disk full, `> /dev/full`…).
    /// A reader that went away (EPIPE, e.g. `| head`) is not a failure.
    static var outputFailure: CommandFailure? {
        let code = standardOutputErrno.load(ordering: .relaxed)
        return code == 0 ? nil : CommandFailure("cannot write standard output: \(String(cString: strerror(code)))")
    }

    /// True when standard error is a terminal (progress bars go there only then).
    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

/// Monotonic seconds, for throughput figures.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
