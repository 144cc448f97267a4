import Foundation

/// The JavaScript `qflux collect` runs in the broker's page (`Runtime.evaluate`): it only reads
/// the DOM and scrolls elements into view; every click is a real mouse event dispatched by
/// ``PageDriver``. Selectors and labels are passed as JSON literals, never spliced as code.
enum PageScripts {
    /// A JSON literal of `value` (a string or array of strings) for embedding in a script.
    static func literal(_ value: Any) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed])) ?? Data("[null]".utf8)
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst().dropLast())  // the array brackets
    }

    /// Helpers every script starts with: visibility, the centre of an element in the viewport
    /// with what a click there would hit when that is not the element (`coveredBy`), and element
    /// text cleaned as ``PageText/clean(_:)`` does (`qfClean`), so labels read and labels looked
    /// for compare equal.
    static let prelude = """
        const qfVisible = (e) => { if (!e) return false; const s = getComputedStyle(e); if (s.display === 'none' || s.visibility === 'hidden') return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
        const qfCentre = (e) => { e.scrollIntoView({block: 'center', inline: 'center'}); const r = e.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2; const hit = document.elementFromPoint(x, y); const free = !!hit && (hit === e || e.contains(hit) || hit.contains(e)); return {x: x, y: y, coveredBy: free ? null : (hit ? hit.tagName.toLowerCase() + (hit.className && typeof hit.className === 'string' ? '.' + hit.className.trim().split(/\\s+/).join('.') : '') : 'nothing (outside the window)')}; };
        const qfClean = (t) => Array.from(String(t).replace(/[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]/g, '?')).slice(0, \(PageText.maxScalars)).join('');
        const qfText = (e) => qfClean((e ? (e.innerText || e.textContent || '') : '').replace(/\\s+/g, ' ').trim());
        const qfAll = (sel) => { try { return Array.from(document.querySelectorAll(sel)); } catch (x) { throw new Error('invalid selector ' + JSON.stringify(sel) + ': ' + x.message); } };
        """

    /// `{items: [{label, payout}], exists: N}`: the favourites now in the DOM (payout as text).
    static func favourites(_ s: CollectSelectors) -> String {
        """
        (() => { \(prelude)
        const items = qfAll(\(literal(s.favouriteItem)));
        return {exists: items.length, items: items.map((e) => ({
          label: qfText(e.querySelector(\(literal(s.favouriteLabel)))),
          payout: qfText(e.querySelector(\(literal(s.favouritePayout))))})).filter((f) => f.label.length > 0)};
        })()
        """
    }

    /// The centre of the first visible element matching `selector`, or null.
    static func locate(_ selector: String) -> String {
        """
        (() => { \(prelude)
        const e = qfAll(\(literal(selector))).find(qfVisible);
        return e ? qfCentre(e) : null;
        })()
        """
    }

    /// The centre of the visible favourite labelled `label`, or null.
    static func locateFavourite(_ s: CollectSelectors, label: String) -> String {
        """
        (() => { \(prelude)
        const e = qfAll(\(literal(s.favouriteItem))).find((i) => qfText(i.querySelector(\(literal(s.favouriteLabel)))) === \(literal(label)) && qfVisible(i));
        return e ? qfCentre(e) : null;
        })()
        """
    }

    /// `{visible: {x, y} | null, hidden: N}`: the timeframe control labelled `label` (text or one
    /// of the attributes equal to it) inside the containers; `hidden` counts matching controls
    /// that are not visible (behind a dropdown).
    static func locateTimeframe(_ s: CollectSelectors, label: String) -> String {
        """
        (() => { \(prelude)
        const label = \(literal(label)).toLowerCase();
        const attributes = \(literal(s.timeframeAttributes));
        const matches = (e) => qfText(e).toLowerCase() === label || attributes.some((a) => (e.getAttribute(a) || '').trim().toLowerCase() === label);
        const found = [];
        for (const c of qfAll(\(literal(s.timeframeContainers)))) {
          for (const e of c.querySelectorAll(\(literal(s.timeframeCandidates)))) { if (matches(e)) found.push(e); }
        }
        // The innermost match: a link inside a matching list item is the control.
        const inner = found.filter((e) => !found.some((o) => o !== e && e.contains(o)));
        const e = inner.find(qfVisible);
        return {visible: e ? qfCentre(e) : null, hidden: inner.length - (e ? 1 : 0), containers: qfAll(\(literal(s.timeframeContainers))).length};
        })()
        """
    }

    /// The text of the current-asset element, or null.
    static func currentAsset(_ s: CollectSelectors) -> String {
        "(() => { \(prelude) const e = qfAll(\(literal(s.currentAsset))).find(qfVisible); return e ? qfText(e) : null; })()"
    }
}
