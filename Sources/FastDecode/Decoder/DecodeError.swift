/// An error of the decode layer, with a code and the underlying cause when there is one.
public struct DecodeError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Sendable, Equatable {
        /// The shim could not allocate its parser.
        case outOfMemory
        /// An input file could not be opened or read.
        case unreadableInput(path: String, errno: Int32)
    }

    /// What went wrong.
    public var code: Code

    /// Creates an error.
    public init(_ code: Code) { self.code = code }

    public var description: String {
        switch code {
        case .outOfMemory: "out of memory creating the JSON parser"
        case let .unreadableInput(path, errno): "cannot read \(path): \(String(cString: strerror(errno)))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
