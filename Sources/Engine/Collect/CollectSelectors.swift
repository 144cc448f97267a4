import Foundation

/// Where things are on the broker's page: CSS selectors and timeframe labels, read from a JSON
/// file (`qflux collect --selectors FILE`, docs/collect.md) whose keys override these defaults –
/// the DOM the original collector relied on (2025). When the broker changes its page, a user
/// changes this file, not qflux.
package struct CollectSelectors: Codable, Sendable, Equatable {
    /// One favourite in the favourites bar (holds a label and a payout).
    package var favouriteItem = ".assets-favorites-item__line"
    /// The favourite's label inside ``favouriteItem`` (`EUR/USD OTC`).
    package var favouriteLabel = ".assets-favorites-item__label"
    /// The favourite's payout inside ``favouriteItem`` (`+92%`).
    package var favouritePayout = ".payout__number"
    /// The arrow that scrolls the favourites bar forward.
    package var favouritesNext = ".assets-favorites__arrow--right"
    /// The arrow that scrolls it back (used to find a favourite scrolled out of view).
    package var favouritesPrevious = ".assets-favorites__arrow--left"
    /// The asset open on the chart (shown in messages only).
    package var currentAsset = ".asset-current, .current-asset"
    /// Containers of the chart's timeframe controls.
    package var timeframeContainers = ".timeframes, .timeframe, .chart-controls, .chart__timeframes"
    /// Elements inside a container that may be a timeframe control.
    package var timeframeCandidates = "a, button, div, li, span"
    /// Attributes compared with the label besides the element's text.
    package var timeframeAttributes = ["data-value", "data-period", "aria-label", "title"]
    /// What opens the timeframe list when it sits behind a dropdown (clicked only when no
    /// visible control has the label).
    package var timeframeDropdown = ".timeframes__toggle, .timeframe__toggle, .chart-controls__timeframe-toggle"
    /// The label the page shows for each timeframe (`1h` → `H1`).
    package var timeframeLabels: [String: String] = [
        "5s": "S5", "10s": "S10", "15s": "S15", "30s": "S30", "1m": "M1", "2m": "M2", "3m": "M3", "5m": "M5",
        "10m": "M10", "15m": "M15", "30m": "M30", "1h": "H1", "4h": "H4", "1d": "D1",
    ]

    /// The defaults.
    package init() {}

    private enum CodingKeys: String, CodingKey {
        case favouriteItem, favouriteLabel, favouritePayout, favouritesNext, favouritesPrevious, currentAsset
        case timeframeContainers, timeframeCandidates, timeframeAttributes, timeframeDropdown, timeframeLabels
    }

    /// Decodes a file: keys it leaves out keep their defaults; unknown keys are refused (a typo
    /// must not silently keep a default).
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(Self.keys)
        if let unknown = c.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorruptedError(
                forKey: unknown, in: c,
                debugDescription: "unknown key '\(unknown.stringValue)' (known: \(Self.keys.joined(separator: ", ")))")
        }
        let k = try decoder.container(keyedBy: CodingKeys.self)
        func take<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try k.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try take(.favouriteItem, &favouriteItem)
        try take(.favouriteLabel, &favouriteLabel)
        try take(.favouritePayout, &favouritePayout)
        try take(.favouritesNext, &favouritesNext)
        try take(.favouritesPrevious, &favouritesPrevious)
        try take(.currentAsset, &currentAsset)
        try take(.timeframeContainers, &timeframeContainers)
        try take(.timeframeCandidates, &timeframeCandidates)
        try take(.timeframeAttributes, &timeframeAttributes)
        try take(.timeframeDropdown, &timeframeDropdown)
        var labels: [String: String] = [:]
        try take(.timeframeLabels, &labels)
        timeframeLabels.merge(labels) { _, new in new }
    }

    /// Every key a selectors file may have.
    package static let keys = [
        "favouriteItem", "favouriteLabel", "favouritePayout", "favouritesNext", "favouritesPrevious",
        "currentAsset", "timeframeContainers", "timeframeCandidates", "timeframeAttributes",
        "timeframeDropdown", "timeframeLabels",
    ]

    /// Reads a selectors file. Throws ``CollectError`` naming the file and what is wrong.
    package static func load(path: String) throws(CollectError) -> CollectSelectors {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CollectError("cannot read the selectors file \(path)")
        }
        do {
            return try JSONDecoder().decode(CollectSelectors.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw CollectError("selectors file \(path): \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw CollectError(
                "selectors file \(path): wrong type at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
            )
        } catch {
            throw CollectError("selectors file \(path) is not valid JSON: \(error.localizedDescription)")
        }
    }

    /// The defaults as pretty JSON (what `qflux collect --print-selectors` writes).
    package static var defaultsJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(CollectSelectors())) ?? Data(), as: UTF8.self)
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A collection failure: one line for the user.
package struct CollectError: Error, CustomStringConvertible, Sendable {
    /// The line.
    package var message: String
    /// An error with this message.
    package init(_ message: String) { self.message = message }
    /// The message with control and bidi-control characters replaced (it may quote the page).
    package var description: String { PageText.printable(message) }
}
