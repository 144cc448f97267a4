import FastDecode

/// A seeded random-walk market: several assets with realistic 5-decimal (or 3-decimal for JPY
/// and stock-like) prices. Drives the demo broker and the benchmark corpus; the same seed gives
/// the same ticks on every machine.
package struct SimulatedMarket: Sendable {
    /// One simulated asset.
    package struct Asset: Sendable {
        /// Broker spelling, e.g. `EURUSD_otc`.
        package var name: String
        /// Current price.
        package var price: Double
        /// Decimal places of quotes.
        package var decimals: Int
        /// Relative volatility per tick.
        package var volatility: Double
    }

    /// The assets, in a fixed order.
    package private(set) var assets: [Asset]
    private var rng: SplitMix64

    /// The default demo assets.
    package static let defaultAssets: [Asset] = [
        Asset(name: "EURUSD_otc", price: 1.08342, decimals: 5, volatility: 0.00004),
        Asset(name: "GBPUSD_otc", price: 1.31712, decimals: 5, volatility: 0.00005),
        Asset(name: "USDJPY_otc", price: 146.618, decimals: 3, volatility: 0.00005),
        Asset(name: "AUDCAD_otc", price: 0.85443, decimals: 5, volatility: 0.00004),
        Asset(name: "EURGBP_otc", price: 0.87951, decimals: 5, volatility: 0.00003),
        Asset(name: "#AAPL_otc", price: 188.405, decimals: 3, volatility: 0.0001),
        Asset(name: "ADA-USD_otc", price: 0.496667, decimals: 6, volatility: 0.0002),
        Asset(name: "XAUUSD_otc", price: 3338.52, decimals: 2, volatility: 0.00005),
    ]

    /// A market of `count` assets (defaults first, then generated names), seeded.
    package init(assetCount count: Int = defaultAssets.count, seed: UInt64 = 1) {
        var list = Array(Self.defaultAssets.prefix(count))
        var i = 0
        while list.count < count {
            list.append(Asset(name: "SIM\(i)_otc", price: 1.0 + Double(i % 50) / 10, decimals: 5, volatility: 0.00004))
            i += 1
        }
        assets = list
        rng = SplitMix64(seed: seed)
    }

    /// Moves asset `index` one step and returns its new quoted price.
    package mutating func step(_ index: Int) -> Double {
        var a = assets[index]
        // Approximately normal step: sum of three uniforms.
        let u = (rng.unit() + rng.unit() + rng.unit() - 1.5) * 2
        var p = a.price * (1 + a.volatility * u)
        let scale = Self.powersOfTen[a.decimals]
        p = (p * scale).rounded() / scale
        if p <= 0 { p = 1 / scale }
        a.price = p
        assets[index] = a
        return p
    }

    /// A uniformly random asset index.
    package mutating func randomAsset() -> Int { Int(rng.next() % UInt64(assets.count)) }

    /// A uniform Double in [0, 1).
    package mutating func unit() -> Double { rng.unit() }

    private static let powersOfTen: [Double] = (0...9).map {
        var v = 1.0; for _ in 0..<$0 { v *= 10 }; return v
    }
}

/// SplitMix64: a tiny, fast, seedable generator.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator with the given seed.
    package init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1).
    package mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
