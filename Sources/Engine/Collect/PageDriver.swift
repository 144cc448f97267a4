import ChromeCDP
import Foundation

/// One favourite of the broker's favourites bar.
package struct Favourite: Sendable, Equatable {
    /// The label as shown (`EUR/USD OTC`).
    package var label: String
    /// The payout in percent (`+92%` → 92), nil when the page shows none.
    package var payout: Int?

    /// A favourite.
    package init(label: String, payout: Int?) {
        self.label = label
        self.payout = payout
    }

    /// `+92%` → 92; the first run of digits.
    package static func parsePayout(_ text: String) -> Int? {
        let digits = text.drop { !$0.isNumber }.prefix { $0.isNumber }
        return Int(digits)
    }
}

/// Drives the broker's page as a person would: reads the favourites bar, scrolls it, and clicks
/// favourites and timeframe controls with real mouse events (`Input.dispatchMouseEvent` at the
/// element's centre, after the page scrolled it into view). A control that cannot be found is a
/// ``CollectError`` naming the selector – never a wait without end.
package final class PageDriver {
    private let session: CDPCommandSession
    private let selectors: CollectSelectors
    /// Seconds to wait after each click for the page to react.
    private let clickDelay: Double
    /// The most pages the favourites bar is scrolled through.
    static let maxBarPages = 60
    /// How long the first look for favourites waits for a page that is still loading.
    static let pageLoadWait = 5.0
    /// The most favourites taken from one look at the bar (a page could list millions).
    static let maxFavouritesPerPage = 200
    /// The largest viewport coordinate (CSS pixels) a click may go to; the page reports positions,
    /// and one at `1e300` once trapped converting to `Int`.
    static let maxCoordinate = 100_000.0

    /// A driver for the page `session` is attached to.
    package init(session: CDPCommandSession, selectors: CollectSelectors, clickDelay: Double) {
        self.session = session
        self.selectors = selectors
        self.clickDelay = clickDelay
    }

    // MARK: favourites

    /// Every favourite, in bar order: scrolls the bar back to its start, reads it, scrolls it
    /// forward page by page until no new favourite appears, then back to its start again.
    package func readFavourites() throws -> [Favourite] {
        var seen: [Favourite] = []
        var pages = 0
        let loading = Date().addingTimeInterval(Self.pageLoadWait)
        while try favouritesInDOM(requireSome: false).isEmpty, Date() < loading { Thread.sleep(forTimeInterval: 0.2) }
        try rewindBar()
        while true {
            let page = try favouritesInDOM(requireSome: pages == 0)
            let new = page.filter { f in !seen.contains { $0.label == f.label } }
            seen += new
            pages += 1
            if pages > 1 && new.isEmpty { break }
            if pages >= Self.maxBarPages { break }
            guard try clickIfVisible(selectors.favouritesNext) else { break }
        }
        try rewindBar()
        return seen
    }

    /// Clicks the favourite labelled `label`, scrolling the bar back and forth to find it.
    package func clickFavourite(_ label: String) throws {
        if let p = try point(PageScripts.locateFavourite(selectors, label: label)) {
            return try click(p, "the favourite '\(label)'")
        }
        try rewindBar()
        for _ in 0..<Self.maxBarPages {
            if let p = try point(PageScripts.locateFavourite(selectors, label: label)) {
                return try click(p, "the favourite '\(label)'")
            }
            guard try clickIfVisible(selectors.favouritesNext) else { break }
        }
        throw CollectError(
            "no favourite labelled '\(label)' in the favourites bar (selectors favouriteItem \(quoted(selectors.favouriteItem)), "
                + "favouriteLabel \(quoted(selectors.favouriteLabel)), favouritesNext \(quoted(selectors.favouritesNext)))"
        )
    }

    /// The label the page shows for `timeframe` (`1h` → `H1`).
    package func label(of timeframe: String) -> String {
        selectors.timeframeLabels[timeframe] ?? timeframe.uppercased()
    }

    /// Clicks the chart's timeframe control for `timeframe` (opening the dropdown first when the
    /// control is hidden behind one).
    package func clickTimeframe(_ timeframe: String) throws {
        let label = label(of: timeframe)
        var found = try timeframeControl(label)
        if found.point == nil {
            if try clickIfVisible(selectors.timeframeDropdown) {
                found = try timeframeControl(label)
            }
        }
        guard let point = found.point else {
            if found.containers == 0 {
                throw CollectError(
                    "no timeframe controls on the page: nothing matches timeframeContainers \(quoted(selectors.timeframeContainers))"
                )
            }
            let why =
                found.hidden > 0
                ? "it is hidden and no visible timeframeDropdown \(quoted(selectors.timeframeDropdown)) opens it"
                : "no element matching timeframeCandidates \(quoted(selectors.timeframeCandidates)) has that text or attribute"
            throw CollectError(
                "no visible timeframe control labelled '\(label)' inside timeframeContainers \(quoted(selectors.timeframeContainers)): \(why)"
            )
        }
        try click(point, "the timeframe control '\(label)'")
    }

    /// The text of the current-asset element, if the page has one.
    package func currentAsset() -> String? {
        ((try? session.evaluate(PageScripts.currentAsset(selectors))) as? String).map(PageText.clean)
    }

    // MARK: helpers

    private func favouritesInDOM(requireSome: Bool) throws -> [Favourite] {
        let value = try session.evaluate(PageScripts.favourites(selectors)) as? [String: Any] ?? [:]
        let items = value["items"] as? [[String: Any]] ?? []
        if requireSome && items.isEmpty {
            let exists = value["exists"] as? Int ?? 0
            throw CollectError(
                exists == 0
                    ? "no favourites on the page: nothing matches favouriteItem \(quoted(selectors.favouriteItem)) (is the broker's page open and logged in?)"
                    : "\(exists) favourites found but none has a label matching favouriteLabel \(quoted(selectors.favouriteLabel))"
            )
        }
        return items.prefix(Self.maxFavouritesPerPage).map {
            Favourite(
                label: PageText.clean($0["label"] as? String ?? ""),
                payout: Favourite.parsePayout(PageText.clean($0["payout"] as? String ?? "")))
        }
    }

    /// Scrolls the favourites bar back to its start (when it has a visible back arrow).
    private func rewindBar() throws {
        var last: [String] = []
        for _ in 0..<Self.maxBarPages {
            let labels = try favouritesInDOM(requireSome: false).map(\.label)
            if !last.isEmpty && labels == last { return }
            last = labels
            guard try clickIfVisible(selectors.favouritesPrevious) else { return }
        }
    }

    private func timeframeControl(_ label: String) throws -> (point: Target?, hidden: Int, containers: Int) {
        let value = try session.evaluate(PageScripts.locateTimeframe(selectors, label: label)) as? [String: Any] ?? [:]
        let point = (value["visible"] as? [String: Any]).flatMap(Self.point)
        return (point, value["hidden"] as? Int ?? 0, value["containers"] as? Int ?? 0)
    }

    private func clickIfVisible(_ selector: String) throws -> Bool {
        guard !selector.isEmpty, let p = try point(PageScripts.locate(selector)) else { return false }
        try click(p, "\(quoted(selector))")
        return true
    }

    private func point(_ script: String) throws -> Target? {
        (try session.evaluate(script) as? [String: Any]).flatMap(Self.point)
    }

    private static func point(_ value: [String: Any]) -> Target? {
        guard let x = (value["x"] as? NSNumber)?.doubleValue, let y = (value["y"] as? NSNumber)?.doubleValue else {
            return nil
        }
        return Target(x: x, y: y, coveredBy: (value["coveredBy"] as? String).map(PageText.clean))
    }

    /// Where to click, and what covers the element there (a dialog, a banner), if anything.
    private struct Target {
        var x: Double
        var y: Double
        var coveredBy: String?

        /// Finite and within ±``PageDriver/maxCoordinate``: safe to convert and to send.
        var isOnScreen: Bool {
            x.isFinite && y.isFinite && abs(x) <= PageDriver.maxCoordinate && abs(y) <= PageDriver.maxCoordinate
        }
    }

    /// A left click at `target` (viewport coordinates): move, press, release; then the click delay.
    /// A target covered by another element is an error naming it (the click would land there).
    private func click(_ target: Target, _ what: @autoclosure () -> String) throws {
        guard target.isOnScreen else {
            throw CollectError(
                "cannot click \(what()): the page reports it at an impossible position (\(target.x), \(target.y))")
        }
        if let cover = target.coveredBy {
            throw CollectError(
                "cannot click \(what()): \(cover) covers it at (\(Int(target.x)), \(Int(target.y))) – close it in the browser and run again"
            )
        }
        let x = target.x, y = target.y
        try session.call("Input.dispatchMouseEvent", ["type": "mouseMoved", "x": x, "y": y])
        try session.call(
            "Input.dispatchMouseEvent",
            ["type": "mousePressed", "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1])
        try session.call(
            "Input.dispatchMouseEvent",
            ["type": "mouseReleased", "x": x, "y": y, "button": "left", "buttons": 0, "clickCount": 1])
        if clickDelay > 0 { Thread.sleep(forTimeInterval: clickDelay) }
    }

    private func quoted(_ selector: String) -> String { "'\(selector)'" }
}
