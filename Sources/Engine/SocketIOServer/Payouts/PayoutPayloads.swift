import FastDecode
import TextWriters

extension StreamServerDataSource {
    /// No payout lists on this node: `get_assets` sends an empty `payouts` object.
    package func payoutPercents() -> [AssetID: Double] { [:] }
}

extension ServerPayloads {
    /// `assets {assets:[…], payouts:{ASSET: percent, …}}`: the original's asset list unchanged,
    /// plus each listed asset's current payout in percent (from the broker's `updateAssets`;
    /// assets without one are left out of `payouts`).
    static func assets(_ names: [String], payouts: [AssetID: Double], directory: AssetDirectory) -> [UInt8] {
        var w = JSONWriter(capacity: 48 + names.count * 16 + payouts.count * 28)
        w.raw("{\"assets\":[")
        for (i, s) in names.enumerated() {
            if i > 0 { w.comma() }
            w.string(s)
        }
        w.raw("],\"payouts\":{")
        let named = payouts.map { (name: directory.name(of: $0.key), percent: $0.value) }.sorted { $0.name < $1.name }
        for (i, p) in named.enumerated() {
            if i > 0 { w.comma() }
            w.string(p.name)
            w.raw(":")
            w.number(p.percent)
        }
        w.raw("}}")
        return w.bytes
    }
}
