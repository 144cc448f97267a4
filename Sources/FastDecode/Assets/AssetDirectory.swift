import ThreadSupport

/// The names behind ``AssetID``s, shared across threads. Written only when an asset is first seen
/// (rare), read by the engine, the server and the CLI. Lookups by user spelling ignore case and
/// punctuation: `EURUSD_OTC`, `eur/usd otc` and `EURUSD_otc` all find `EURUSD_otc`.
public final class AssetDirectory: Sendable {
    private struct State {
        var names: [String] = []
        var exact: [String: UInt32] = [:]
        var loose: [String: UInt32] = [:]
    }

    private let state = Locked(State())

    /// An empty directory.
    public init() {}

    /// How many assets are known.
    public var count: Int { state.withLock { $0.names.count } }

    /// The broker's spelling of an asset.
    public func name(of id: AssetID) -> String {
        state.withLock { s in
            Int(id.rawValue) < s.names.count ? s.names[Int(id.rawValue)] : "asset#\(id.rawValue)"
        }
    }

    /// Every asset name in ID order.
    public var allNames: [String] { state.withLock { $0.names } }

    /// Finds an asset by any spelling: exact first, then ignoring case and punctuation.
    public func lookup(_ spelling: String) -> AssetID? {
        state.withLock { s in
            if let id = s.exact[spelling] { return AssetID(rawValue: id) }
            let key = Self.looseKey(spelling)
            return s.loose[key].map(AssetID.init(rawValue:))
        }
    }

    /// Registers a name, returning its ID (the existing one when the name is known).
    public func register(_ name: String) -> AssetID {
        state.withLock { s in
            if let id = s.exact[name] { return AssetID(rawValue: id) }
            let id = UInt32(s.names.count)
            s.names.append(name)
            s.exact[name] = id
            let key = Self.looseKey(name)
            if s.loose[key] == nil { s.loose[key] = id }
            return AssetID(rawValue: id)
        }
    }

    /// Lower-case letters and digits only: the key for case- and punctuation-insensitive lookup.
    public static func looseKey(_ spelling: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in spelling.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39, 0x61...0x7A: out.append(scalar)
            case 0x41...0x5A: out.append(Unicode.Scalar(scalar.value + 32)!)
            default:
                if scalar.value > 0x7F, scalar.properties.isAlphabetic { out.append(scalar) }
            }
        }
        return String(out)
    }
}
