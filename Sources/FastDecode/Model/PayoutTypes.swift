/// One asset's payout as the broker's `updateAssets` listed it.
public struct AssetPayout: Equatable, Sendable {
    /// The asset.
    public var asset: AssetID
    /// The payout in percent, as sent (79 means a winning 1.00 stake returns 0.79 profit).
    public var percent: Double
    /// Whether the broker marks the asset OTC (field 9), when it said.
    public var isOTC: Bool?
    /// Whether the asset is open for trading (field 14), when it said.
    public var active: Bool?

    /// Creates a payout row.
    public init(asset: AssetID, percent: Double, isOTC: Bool? = nil, active: Bool? = nil) {
        self.asset = asset
        self.percent = percent
        self.isOTC = isOTC
        self.active = active
    }

    /// The payout as a fraction of the stake (`percent / 100`).
    public var fraction: Double { percent / 100 }
}

/// The payouts of one `updateAssets` frame. The frame carries no time of its own: `time` is the
/// broker time of the latest tick the decoder handed on before it since its socket state was last
/// reset, nil when none (the pipeline then stamps the list with the latest tick it handled, or
/// the next one: decoding in parallel pieces gives the same stamps as decoding in one go).
public struct PayoutSnapshot: Equatable, Sendable {
    /// Epoch seconds, broker clock (see the type's note); nil when the decoder saw no tick before.
    public var time: Double?
    /// One entry per listed asset, in the broker's order.
    public var payouts: [AssetPayout]

    /// Creates a snapshot.
    public init(time: Double?, payouts: [AssetPayout]) {
        self.time = time
        self.payouts = payouts
    }
}
